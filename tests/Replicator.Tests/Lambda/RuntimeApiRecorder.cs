using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Replicator.Tests.Lambda;

/// <summary>One HTTP request as the stand-in received it.</summary>
internal sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>What the stand-in answers to one request.</summary>
internal sealed record ScriptedAnswer(int Status, string Body = "", IReadOnlyDictionary<string, string>? Headers = null)
{
    public static readonly ScriptedAnswer Accepted = new(202, """{"status":"OK"}""");
}

/// <summary>
/// A tiny stand-in for the Lambda runtime API on a free 127.0.0.1 port: it records every request
/// (method, path, headers, body) and answers as <c>answer</c> says (by default 202 Accepted), so a
/// test can check exactly what a client sent.
/// </summary>
internal sealed class RuntimeApiRecorder : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Func<RecordedRequest, ScriptedAnswer> _answer;
    private readonly List<RecordedRequest> _requests = [];
    private readonly Task _serving;

    public RuntimeApiRecorder(Func<RecordedRequest, ScriptedAnswer>? answer = null)
    {
        _answer = answer ?? (_ => ScriptedAnswer.Accepted);
        (_listener, Port) = Listen();
        _serving = ServeAsync();
    }

    public int Port { get; }

    /// <summary>The runtime API address as Lambda gives it in <c>AWS_LAMBDA_RUNTIME_API</c>.</summary>
    public string Address => $"127.0.0.1:{Port}";

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public RecordedRequest Single(string method, string path) =>
        Assert.Single(Requests, request => request.Method == method && request.Path == path);

    /// <summary>An address where nothing listens: for the runtime API gone away.</summary>
    public static string ClosedAddress()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
    }

    private static (HttpListener Listener, int Port) Listen()
    {
        for (var attempt = 1; ; attempt++)
        {
            int port;
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                port = ((IPEndPoint)probe.LocalEndpoint).Port;
            }

            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return (listener, port);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
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

            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        using var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        var headers = context.Request.Headers.AllKeys
            .Where(name => name is not null)
            .ToDictionary(name => name!, name => context.Request.Headers[name] ?? "", StringComparer.OrdinalIgnoreCase);
        var request = new RecordedRequest(context.Request.HttpMethod, context.Request.RawUrl ?? "", headers, body.ToArray());
        lock (_requests)
        {
            _requests.Add(request);
        }

        var answer = _answer(request);
        context.Response.StatusCode = answer.Status;
        foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }

        var bytes = Encoding.UTF8.GetBytes(answer.Body);
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Close();
        await _serving.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
