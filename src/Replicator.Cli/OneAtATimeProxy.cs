using System.Net;

namespace Replicator.Cli;

/// <summary>
/// An HTTP proxy on a free loopback port that forwards one request at a time, for the
/// multi-active demo and `replicate --one-request-at-a-time` against moto. moto serves requests on concurrent threads without a lock: a
/// TransactWriteItems it cancels puts back a copy of every table it names, taken when it began,
/// undoing what other requests wrote meanwhile (items and their stream records), and a
/// conditional write's check and write can interleave with another request's. DynamoDB makes
/// every write atomic; so does moto when it sees one request at a time (docs/multi-active.md,
/// "On moto"; the end-to-end test does the same).
/// </summary>
internal sealed class OneAtATimeProxy : IAsyncDisposable
{
    /// <summary>Headers that describe one hop, not the request, so never forwarded as they came.</summary>
    private static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Connection", "Transfer-Encoding", "Keep-Alive", "Server", "Date",
    };

    private readonly HttpListener _listener = new();
    private readonly HttpClient _upstream = new() { Timeout = TimeSpan.FromMinutes(2) };
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly string _target;
    private readonly Task _serving;

    private OneAtATimeProxy(Uri target, Uri endpoint)
    {
        _target = target.ToString().TrimEnd('/');
        Endpoint = endpoint;
        _listener.Prefixes.Add(endpoint.ToString());
        _listener.Start();
        _serving = ServeAsync();
    }

    public Uri Endpoint { get; }

    /// <summary>Starts a proxy to <paramref name="target"/> on a free 127.0.0.1 port (another, if the port was taken meanwhile).</summary>
    public static OneAtATimeProxy Start(Uri target)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return new OneAtATimeProxy(target, new Uri($"http://127.0.0.1:{LocalMoto.FreePort()}/"));
            }
            catch (HttpListenerException) when (attempt < 5)
            {
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
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => ForwardAsync(context));
        }
    }

    private async Task ForwardAsync(HttpListenerContext context)
    {
        try
        {
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body).ConfigureAwait(false);
            using var forward = new HttpRequestMessage(new HttpMethod(context.Request.HttpMethod), _target + context.Request.RawUrl) { Content = new ByteArrayContent(body.ToArray()) };
            foreach (var name in context.Request.Headers.AllKeys.OfType<string>().Where(name => !HopHeaders.Contains(name)))
            {
                var value = context.Request.Headers[name]!;
                if (!forward.Headers.TryAddWithoutValidation(name, value))
                {
                    forward.Content.Headers.TryAddWithoutValidation(name, value);
                }
            }

            byte[] answer;
            HttpResponseMessage response;
            await _oneAtATime.WaitAsync().ConfigureAwait(false);
            try
            {
                response = await _upstream.SendAsync(forward).ConfigureAwait(false);
                answer = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            }
            finally
            {
                _oneAtATime.Release();
            }

            using (response)
            {
                context.Response.StatusCode = (int)response.StatusCode;
                foreach (var (name, values) in response.Headers.Concat(response.Content.Headers).Where(header => !HopHeaders.Contains(header.Key)))
                {
                    if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                    {
                        context.Response.ContentType = string.Join(", ", values);
                    }
                    else
                    {
                        context.Response.Headers[name] = string.Join(", ", values);
                    }
                }
            }

            context.Response.ContentLength64 = answer.Length;
            await context.Response.OutputStream.WriteAsync(answer).ConfigureAwait(false);
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            // The endpoint did not answer: so does the proxy (the client retries, as it would against the endpoint).
            context.Response.Abort();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away; nothing to answer.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Close();
        await _serving.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        _upstream.Dispose();
        _oneAtATime.Dispose();
    }
}
