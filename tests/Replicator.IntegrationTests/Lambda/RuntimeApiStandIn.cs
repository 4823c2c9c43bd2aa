using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Threading.Channels;
using Replicator.TestSupport;

namespace Replicator.IntegrationTests.Lambda;

public enum ReplyKind : byte { Response, InvocationError, InitError }

/// <summary>What the function posted back: a response, an invocation error, or an init error (which has no request id).</summary>
/// <param name="ReceivedAt">A <see cref="Stopwatch"/> timestamp of its arrival.</param>
public sealed record RuntimeReply(ReplyKind Kind, string? RequestId, string? ErrorType, byte[] Body, long ReceivedAt)
{
    public string Text => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// A stand-in for the Lambda runtime API (version 2018-06-01) on a free 127.0.0.1 port, for running
/// the real <c>bootstrap</c>. It hands out queued events to <c>GET runtime/invocation/next</c> (which
/// waits, as Lambda's does, until one is queued), and records what comes back: responses and errors
/// by request id, and init errors. A post for a request id it never handed out is refused with 400,
/// as Lambda refuses it, and recorded in <see cref="Unexpected"/> with any request it does not know.
/// It waits for nothing without a bound: every wait a test makes goes through a timeout.
/// </summary>
public sealed class RuntimeApiStandIn : IAsyncDisposable
{
    private const string Prefix = "/2018-06-01/";
    private static readonly KeyValuePair<string, string> Json = KeyValuePair.Create("Content-Type", "application/json");

    private readonly LoopbackHttpServer _server;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Channel<Queued> _queue = Channel.CreateUnbounded<Queued>();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<RuntimeReply>> _replies = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _handedOut = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<RuntimeReply> _initError = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<string> _unexpected = new();
    private int _nextRequests;
    private int _requestCounter;

    private sealed record Queued(string RequestId, byte[] Event, TimeSpan TimeLeft);

    public RuntimeApiStandIn()
    {
        _server = new LoopbackHttpServer(HandleAsync);
    }

    /// <summary>The address as Lambda gives it in <c>AWS_LAMBDA_RUNTIME_API</c>.</summary>
    public string Address => _server.Address;

    /// <summary>How many times the function asked for its next invocation.</summary>
    public int NextRequests => Volatile.Read(ref _nextRequests);

    /// <summary>Requests the stand-in did not expect: unknown paths, or posts for request ids it never handed out.</summary>
    public IReadOnlyCollection<string> Unexpected => [.. _unexpected];

    /// <summary>Queues an invocation; returns its request id. The deadline sent is now (when handed out) plus <paramref name="timeLeft"/> (60 s by default).</summary>
    public string Enqueue(byte[] streamEvent, TimeSpan? timeLeft = null)
    {
        var requestId = $"req-{Interlocked.Increment(ref _requestCounter)}-{Guid.NewGuid():N}";
        Reply(requestId);
        if (!_queue.Writer.TryWrite(new Queued(requestId, streamEvent, timeLeft ?? TimeSpan.FromSeconds(60))))
        {
            throw new InvalidOperationException("the stand-in is stopped");
        }

        return requestId;
    }

    public string Enqueue(string streamEvent, TimeSpan? timeLeft = null) => Enqueue(Encoding.UTF8.GetBytes(streamEvent), timeLeft);

    /// <summary>The response or error posted for <paramref name="requestId"/>, when it comes. Bound the wait with a timeout.</summary>
    public Task<RuntimeReply> ReplyAsync(string requestId) => Reply(requestId).Task;

    /// <summary>The init error, when it comes. Bound the wait with a timeout.</summary>
    public Task<RuntimeReply> InitErrorAsync() => _initError.Task;

    private TaskCompletionSource<RuntimeReply> Reply(string requestId) =>
        _replies.GetOrAdd(requestId, _ => new TaskCompletionSource<RuntimeReply>(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var path = request.Url?.AbsolutePath ?? "";
        try
        {
            if (request.HttpMethod == "GET" && path == Prefix + "runtime/invocation/next")
            {
                Interlocked.Increment(ref _nextRequests);
                var invocation = await _queue.Reader.ReadAsync(_stopping.Token);
                _handedOut[invocation.RequestId] = 0;
                await LoopbackHttpServer.RespondAsync(context, 200, [
                    Json,
                    KeyValuePair.Create("Lambda-Runtime-Aws-Request-Id", invocation.RequestId),
                    KeyValuePair.Create("Lambda-Runtime-Deadline-Ms", (DateTimeOffset.UtcNow + invocation.TimeLeft).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)),
                    KeyValuePair.Create("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:replicator"),
                    KeyValuePair.Create("Lambda-Runtime-Trace-Id", $"Root=1-{DateTimeOffset.UtcNow.ToUnixTimeSeconds():x8}-{Guid.NewGuid():N}"[..40] + ";Sampled=0"),
                ], invocation.Event);
                return;
            }

            var body = await LoopbackHttpServer.ReadBodyAsync(request);
            var received = Stopwatch.GetTimestamp();
            var errorType = request.Headers["Lambda-Runtime-Function-Error-Type"];
            if (request.HttpMethod == "POST" && path == Prefix + "runtime/init/error")
            {
                _initError.TrySetResult(new RuntimeReply(ReplyKind.InitError, null, errorType, body, received));
                await AnswerAsync(context, 202, """{"status":"OK"}"""u8.ToArray());
                return;
            }

            var parts = path.StartsWith(Prefix + "runtime/invocation/", StringComparison.Ordinal)
                ? path[(Prefix.Length + "runtime/invocation/".Length)..].Split('/')
                : [];
            if (request.HttpMethod == "POST" && parts is [var id, "response" or "error"] && _handedOut.ContainsKey(Uri.UnescapeDataString(id)))
            {
                var kind = parts[1] == "response" ? ReplyKind.Response : ReplyKind.InvocationError;
                var requestId = Uri.UnescapeDataString(id);
                if (!Reply(requestId).TrySetResult(new RuntimeReply(kind, requestId, errorType, body, received)))
                {
                    _unexpected.Enqueue($"{request.HttpMethod} {path}: a second answer for the same invocation");
                }

                await AnswerAsync(context, 202, """{"status":"OK"}"""u8.ToArray());
                return;
            }

            _unexpected.Enqueue($"{request.HttpMethod} {path}");
            await AnswerAsync(context, parts.Length == 2 ? 400 : 404, """{"errorMessage":"not expected by the stand-in","errorType":"InvalidRequestID"}"""u8.ToArray());
        }
        catch (Exception e) when (e is OperationCanceledException or HttpListenerException or ObjectDisposedException or IOException or ChannelClosedException)
        {
            // Stopping, or the function went away mid-request: drop the connection.
            try
            {
                context.Response.Abort();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private static Task AnswerAsync(HttpListenerContext context, int status, byte[] body) =>
        LoopbackHttpServer.RespondAsync(context, status, [Json], body);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _queue.Writer.TryComplete();
        await _server.DisposeAsync();
        _stopping.Dispose();
    }
}
