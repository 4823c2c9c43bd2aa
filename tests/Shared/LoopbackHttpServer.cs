using System.Net;
using System.Net.Sockets;

namespace Replicator.TestSupport;

/// <summary>
/// An <see cref="HttpListener"/> on a free 127.0.0.1 port that hands every request to a handler on the
/// thread pool, for the tests' stand-ins of HTTP services. Linked into each test project.
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Func<HttpListenerContext, Task> _handle;
    private readonly Task _serving;

    public LoopbackHttpServer(Func<HttpListenerContext, Task> handle)
    {
        _handle = handle;
        for (var attempt = 1; ; attempt++)
        {
            // The port may be taken between probing and listening: try another.
            Port = FreePort();
            _listener = new HttpListener();
            _listener.Prefixes.Add($"{Url}/");
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                _listener.Close();
            }
        }

        _serving = ServeAsync();
    }

    public int Port { get; }

    /// <summary>host:port, as Lambda gives the runtime API in <c>AWS_LAMBDA_RUNTIME_API</c>.</summary>
    public string Address => $"127.0.0.1:{Port}";

    public string Url => $"http://{Address}";

    /// <summary>A loopback port nothing listens on (for now).</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public static async Task<byte[]> ReadBodyAsync(HttpListenerRequest request)
    {
        using var body = new MemoryStream();
        await request.InputStream.CopyToAsync(body);
        return body.ToArray();
    }

    /// <summary>Answers and closes the response; a Content-Type header goes where HttpListener wants it.</summary>
    public static async Task RespondAsync(HttpListenerContext context, int status, IEnumerable<KeyValuePair<string, string>> headers, byte[] body)
    {
        var response = context.Response;
        response.StatusCode = status;
        foreach (var (name, value) in headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                response.ContentType = value;
            }
            else
            {
                response.Headers[name] = value;
            }
        }

        response.ContentLength64 = body.Length;
        await response.OutputStream.WriteAsync(body);
        response.Close();
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => _handle(context));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Close();
        await _serving.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
