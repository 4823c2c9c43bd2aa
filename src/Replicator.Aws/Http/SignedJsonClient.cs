using System.Net;
using System.Net.Http.Headers;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Replicator.Aws.Streams;

namespace Replicator.Aws.Http;

/// <summary>
/// Sends calls of an AWS JSON protocol (<c>application/x-amz-json-1.0</c>, the operation in
/// <c>X-Amz-Target</c>) to one endpoint, signed with <see cref="SigV4Signer"/>, and reads the answer
/// into a <see cref="JsonAnswer"/>: one implementation of send, sign and error-read for the DynamoDB
/// Streams client and the DynamoDB writer. It does not retry. A refusal for the signing time
/// corrects the clock (<see cref="ClockSkew"/>) for every later call. Safe to share between threads.
/// </summary>
internal sealed class SignedJsonClient : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/x-amz-json-1.0");
    private static readonly string JsonContentTypeText = JsonContentType.ToString();

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly string _targetPrefix;
    private readonly string _signingName;
    private readonly ClockSkew _clock;
    private readonly TimeProvider _time;
    private AWSCredentials? _credentials;

    /// <param name="region">The region signed for.</param>
    /// <param name="credentials">The credentials to sign with; null for the SDK's standard chain, resolved at the first call (so a client can be made where there are none yet).</param>
    /// <param name="endpoint">Where every call goes.</param>
    /// <param name="targetPrefix">What comes before the operation in <c>X-Amz-Target</c> (<c>DynamoDB_20120810.</c>).</param>
    /// <param name="signingName">The service's signing name (<c>dynamodb</c>, for DynamoDB Streams too).</param>
    /// <param name="time">The local clock, corrected by what refusals teach.</param>
    /// <param name="http">The HTTP client, owned (disposed with this) when <paramref name="ownsHttp"/>.</param>
    /// <param name="ownsHttp">Whether disposing this disposes <paramref name="http"/>.</param>
    public SignedJsonClient(string region, AWSCredentials? credentials, Uri endpoint, string targetPrefix, string signingName, TimeProvider time, HttpClient http, bool ownsHttp)
    {
        Region = region;
        Endpoint = endpoint;
        _credentials = credentials;
        _targetPrefix = targetPrefix;
        _signingName = signingName;
        _clock = new ClockSkew(time);
        _time = time;
        _http = http;
        _ownsHttp = ownsHttp;
    }

    public string Region { get; }

    public Uri Endpoint { get; }

    /// <summary>The role this client signs as, if not the caller's own credentials: named in a refusal of access, which then says whose access was refused.</summary>
    public string? SignedAs { get; init; }

    /// <summary>What is added to the local clock to sign: the offset to the server's clock learnt from a refusal (zero until then).</summary>
    public TimeSpan ClockOffset => _clock.Offset;

    /// <summary>
    /// An HTTP client for a hot path: a pooled connection per request in flight, no cap on how many
    /// (the engine bounds the requests in flight), each request given <paramref name="timeout"/>.
    /// </summary>
    public static HttpClient NewHttpClient(TimeSpan timeout) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, UseCookies = false }) { Timeout = timeout };

    /// <summary>
    /// Signs and sends one call whose body is <paramref name="body"/>, which must stay unchanged until
    /// this returns, and, if the answer is <see cref="JsonAnswer.Unreachable"/> or this throws, for as
    /// long as the HTTP stack may still be reading it (so a pooled buffer is then left to the GC). Only
    /// cancellation of <paramref name="cancellationToken"/> throws. With <paramref name="rentAnswer"/>,
    /// a 200's body is read into a rented array, which the caller returns through
    /// <see cref="JsonAnswer.Ok.Lease"/>.
    /// </summary>
    public async Task<JsonAnswer> SendAsync(string operation, ReadOnlyMemory<byte> body, CancellationToken cancellationToken, bool rentAnswer = false)
    {
        ImmutableCredentials credentials;
        try
        {
            _credentials ??= DefaultAWSCredentialsIdentityResolver.GetCredentials();
            credentials = await _credentials.GetCredentialsAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is AmazonClientException or AmazonServiceException or HttpRequestException)
        {
            return new JsonAnswer.NoCredentials(e);
        }

        var target = _targetPrefix + operation;
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new ReadOnlyMemoryContent(body) };
        request.Content.Headers.ContentType = JsonContentType;
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        var signedAt = _clock.Now();
        var signed = SigV4Signer.Sign(
            "POST",
            Endpoint,
            [new("content-type", JsonContentTypeText), new("x-amz-target", target)],
            body.Span,
            credentials.AccessKey,
            credentials.SecretKey,
            credentials.UseToken ? credentials.Token : null,
            Region,
            _signingName,
            signedAt);
        foreach (var (name, value) in signed)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        HttpResponseMessage response;
        try
        {
            // Headers first, then the body read here, into one array of its size (or a rented one):
            // HttpClient's own buffering would copy it once more.
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransport(e, cancellationToken))
        {
            return new JsonAnswer.Unreachable(e);
        }

        using (response)
        {
            var ok = response.StatusCode == HttpStatusCode.OK;
            RentedBytes? rented = null;
            ReadOnlyMemory<byte> answer;
            try
            {
                // The client's timeout covers the whole call when HttpClient buffers the body; here it is read after SendAsync returns.
                using var timer = new CancellationTokenSource(_http.Timeout, _time);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
                await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
                var length = response.Content.Headers.ContentLength;
                if (ok && rentAnswer)
                {
                    rented = new RentedBytes((int)Math.Min(length ?? 64 * 1024, int.MaxValue));
                    await rented.ReadAllAsync(stream, timeout.Token).ConfigureAwait(false);
                    answer = rented.Memory;
                }
                else
                {
                    answer = await ReadAllAsync(stream, length, timeout.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (IsTransport(e, cancellationToken))
            {
                rented?.Dispose();
                return new JsonAnswer.Unreachable(e);
            }

            return ok ? new JsonAnswer.Ok(answer) { Lease = rented } : Refusal(response, signedAt, answer.ToArray());
        }
    }

    /// <summary>A body read to its end: into one array of its length when that is known.</summary>
    private static async Task<ReadOnlyMemory<byte>> ReadAllAsync(Stream stream, long? length, CancellationToken cancellationToken)
    {
        if (length is { } known and <= int.MaxValue)
        {
            var exact = new byte[known];
            await stream.ReadExactlyAsync(exact, cancellationToken).ConfigureAwait(false);
            return exact;
        }

        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
        return copy.ToArray();
    }

    /// <summary>
    /// Sends a body written into a pooled buffer, and returns the buffer to the pool once nothing can
    /// read it any more: after an answer, not after a failure to get one, when the HTTP stack may
    /// still be sending it.
    /// </summary>
    public async Task<JsonAnswer> SendAsync(string operation, PooledBuffer body, CancellationToken cancellationToken, bool rentAnswer = false)
    {
        var answer = await SendAsync(operation, body.Written, cancellationToken, rentAnswer).ConfigureAwait(false);
        if (answer is not JsonAnswer.Unreachable)
        {
            body.Dispose();
        }

        return answer;
    }

    /// <summary>A failure to get an answer; a cancellation that was asked for is not one, and is thrown.</summary>
    private static bool IsTransport(Exception e, CancellationToken cancellationToken) =>
        (e is HttpRequestException or IOException or OperationCanceledException) && !cancellationToken.IsCancellationRequested;

    private JsonAnswer Refusal(HttpResponseMessage response, DateTimeOffset signedAt, byte[] body)
    {
        var (type, message) = JsonError.Read(body);
        if (type is null && response.Headers.TryGetValues("x-amzn-ErrorType", out var header))
        {
            // "UnrecognizedClientException:http://internal.amazon.com/coral/com.amazon.coral.service/"
            type = header.FirstOrDefault()?.Split(':')[0];
        }

        var code = type is null ? null : type[(type.LastIndexOf('#') + 1)..];
        message ??= System.Text.Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 300)));
        if (_clock.TryCorrect(code, message, response.Headers.Date, signedAt) is { } server)
        {
            return new JsonAnswer.ClockCorrected(code!, message, signedAt, server, _clock.Offset);
        }

        if (SignedAs is not null && code is "AccessDeniedException" or "UnrecognizedClientException")
        {
            message = $"{message} (signed with the credentials of role {SignedAs})";
        }

        return new JsonAnswer.Error(response.StatusCode, code, message) { Body = body };
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }
}
