using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Replicator.Lambda;

/// <summary>One invocation as the runtime API hands it over: the event, and what the headers said about it.</summary>
/// <param name="Deadline">When Lambda stops the function (<c>Lambda-Runtime-Deadline-Ms</c>), if the header was readable.</param>
internal sealed record Invocation(string RequestId, DateTimeOffset? Deadline, string? FunctionArn, string? TraceId, ReadOnlyMemory<byte> Event);

/// <summary>The runtime API could not be reached, or answered with an error status.</summary>
internal sealed class RuntimeApiException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A client for the Lambda runtime API, version 2018-06-01 (the protocol a custom runtime speaks to
/// the Lambda service over HTTP on <c>AWS_LAMBDA_RUNTIME_API</c>): get the next invocation, post its
/// response or its error, or post an init error. Failures throw <see cref="RuntimeApiException"/>.
/// </summary>
internal sealed class RuntimeApiClient : IDisposable
{
    public const string ApiVersion = "2018-06-01";

    public const string RequestIdHeader = "Lambda-Runtime-Aws-Request-Id";
    public const string DeadlineHeader = "Lambda-Runtime-Deadline-Ms";
    public const string FunctionArnHeader = "Lambda-Runtime-Invoked-Function-Arn";
    public const string TraceIdHeader = "Lambda-Runtime-Trace-Id";
    public const string ErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";

    /// <summary>
    /// A post to the runtime API (local to the execution environment) takes milliseconds; one that
    /// takes this long is abandoned rather than waited on. Getting the next invocation has no
    /// timeout: it waits, by design, until there is one.
    /// </summary>
    public static readonly TimeSpan PostTimeout = TimeSpan.FromSeconds(10);

    private static readonly long MaxUnixMilliseconds = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    private readonly HttpClient _http;

    /// <summary>
    /// Where events are read to. An invocation's event (and every record, image and dead letter
    /// sliced from it) is valid until the next <see cref="NextInvocationAsync"/>: the host handles
    /// one invocation at a time, and nothing of it outlives its response.
    /// </summary>
    private byte[] _event = [];

    /// <param name="address">The runtime API's <c>host:port</c>, as in <c>AWS_LAMBDA_RUNTIME_API</c>.</param>
    /// <param name="handler">The HTTP handler; by default a direct connection (never through a proxy).</param>
    /// <exception cref="FormatException">The address is not <c>host:port</c>.</exception>
    public RuntimeApiClient(string address, HttpMessageHandler? handler = null)
    {
        if (string.IsNullOrWhiteSpace(address)
            || address.Contains('/', StringComparison.Ordinal)
            || !Uri.TryCreate($"http://{address}/{ApiVersion}/", UriKind.Absolute, out var baseAddress))
        {
            throw new FormatException($"'{address}' is not a host:port address");
        }

        _http = new HttpClient(handler ?? new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>
    /// <c>GET runtime/invocation/next</c>: waits, without a timeout, until Lambda has an invocation
    /// for this environment. Read synchronously, on the caller's thread: the host has nothing else
    /// to do meanwhile, and a megabytes-long event read asynchronously comes in as dozens of socket
    /// reads, each woken by the socket engine and handed to another thread, which cost more CPU than
    /// parsing the event (measured with perf on the AOT host: a fifth of an invocation's samples).
    /// </summary>
    public Task<Invocation> NextInvocationAsync(CancellationToken cancellationToken)
    {
        try
        {
            return Task.FromResult(NextInvocation(cancellationToken));
        }
        catch (Exception e) when (e is RuntimeApiException or OperationCanceledException)
        {
            return Task.FromException<Invocation>(e);
        }
    }

    private Invocation NextInvocation(CancellationToken cancellationToken)
    {
        const string path = "runtime/invocation/next";
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            using var response = _http.Send(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var body = ReadBody(response.Content, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new RuntimeApiException($"GET {path} answered {(int)response.StatusCode} {response.ReasonPhrase}: {Excerpt(body.Span)}");
            }

            var requestId = Header(response, RequestIdHeader)
                ?? throw new RuntimeApiException($"GET {path} answered without a {RequestIdHeader} header");
            var deadline = long.TryParse(Header(response, DeadlineHeader), NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds <= MaxUnixMilliseconds
                ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds)
                : (DateTimeOffset?)null;
            return new Invocation(requestId, deadline, Header(response, FunctionArnHeader), Header(response, TraceIdHeader), body);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new RuntimeApiException($"GET {path} failed: {e.Message}", e);
        }
    }

    /// <summary>
    /// The event, read once into the client's one event buffer, reused from invocation to
    /// invocation (grown when an event is larger). Buffering it first (what
    /// <see cref="HttpCompletionOption.ResponseContentRead"/> does) and copying it out held it twice
    /// at once; a new array per event put megabytes a call on the large object heap, whose every
    /// few megabytes cost a full, compacting collection (a tenth of the host's CPU under perf).
    /// </summary>
    private ReadOnlyMemory<byte> ReadBody(HttpContent content, CancellationToken cancellationToken)
    {
        using var stream = content.ReadAsStream(cancellationToken);
        if (content.Headers.ContentLength is not { } length || length > Array.MaxLength)
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }

        if (_event.Length < length)
        {
            _event = new byte[length];
        }

        stream.ReadExactly(_event, 0, (int)length);
        return _event.AsMemory(0, (int)length);
    }

    /// <summary><c>POST runtime/invocation/{id}/response</c> with the function's result.</summary>
    public Task RespondAsync(string requestId, ReadOnlyMemory<byte> response, CancellationToken cancellationToken) =>
        PostAsync($"runtime/invocation/{Uri.EscapeDataString(requestId)}/response", response, errorType: null, cancellationToken);

    /// <summary><c>POST runtime/invocation/{id}/error</c>: the invocation failed as a whole, and Lambda retries it.</summary>
    public Task ReportInvocationErrorAsync(string requestId, FunctionError error, CancellationToken cancellationToken) =>
        PostAsync($"runtime/invocation/{Uri.EscapeDataString(requestId)}/error", Serialize(error), error.ErrorType, cancellationToken);

    /// <summary><c>POST runtime/init/error</c>: the function cannot start; Lambda ends this execution environment.</summary>
    public Task ReportInitErrorAsync(FunctionError error, CancellationToken cancellationToken) =>
        PostAsync("runtime/init/error", Serialize(error), error.ErrorType, cancellationToken);

    private static byte[] Serialize(FunctionError error) =>
        JsonSerializer.SerializeToUtf8Bytes(error, RuntimeApiJsonContext.Default.FunctionError);

    private async Task PostAsync(string path, ReadOnlyMemory<byte> body, string? errorType, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ReadOnlyMemoryContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (errorType is not null)
        {
            request.Headers.TryAddWithoutValidation(ErrorTypeHeader, errorType);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PostTimeout);
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var answer = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
                throw new RuntimeApiException($"POST {path} answered {(int)response.StatusCode} {response.ReasonPhrase}: {Excerpt(answer)}");
            }
        }
        catch (HttpRequestException e)
        {
            throw new RuntimeApiException($"POST {path} failed: {e.Message}", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RuntimeApiException($"POST {path} had no answer within {PostTimeout.TotalSeconds:0} s", e);
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) && values.FirstOrDefault() is { Length: > 0 } value ? value : null;

    /// <summary>The start of an error answer, for a message: enough to say what went wrong.</summary>
    private static string Excerpt(ReadOnlySpan<byte> body) =>
        body.Length == 0 ? "(no body)" : Encoding.UTF8.GetString(body[..Math.Min(body.Length, 500)]);

    public void Dispose() => _http.Dispose();
}
