using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Replicator.TestSupport;

namespace Replicator.IntegrationTests.Support;

/// <summary>What the proxy does to one request.</summary>
public enum Fault
{
    /// <summary>Forward it unchanged.</summary>
    None,

    /// <summary>Answer 400 ProvisionedThroughputExceededException without forwarding.</summary>
    Throttle,

    /// <summary>Answer 500 InternalServerError without forwarding.</summary>
    ServerError,

    /// <summary>Answer 503 ServiceUnavailable without forwarding.</summary>
    Unavailable,

    /// <summary>Close the connection without an answer (the request is not forwarded).</summary>
    DropConnection,

    /// <summary>Forward the request, then drop the connection instead of returning the answer: the write happened, the client cannot know.</summary>
    DropAfterForwarding,

    /// <summary>
    /// BatchWriteItem: forward the first half of the items, return the rest as UnprocessedItems.
    /// BatchGetItem: read the first half of the keys, return the rest as UnprocessedKeys.
    /// </summary>
    HalfUnprocessed,

    /// <summary>BatchWriteItem only: return the write requests <see cref="FaultProxy.Withhold"/> picks as UnprocessedItems (a hot partition), forward the rest.</summary>
    WithholdMatching,
}

/// <summary>
/// A fault-injecting HTTP proxy in front of a DynamoDB-compatible endpoint (moto), for the
/// failures moto never produces: throttling, UnprocessedItems, 5xx, dropped connections.
/// <see cref="Policy"/> picks a fault per request from its operation (the X-Amz-Target after the dot,
/// e.g. "BatchWriteItem") and the operation's call number (1-based).
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly HttpClient _upstream = new();
    private readonly string _target;
    private readonly LoopbackHttpServer _server;
    private readonly Dictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly List<(string Operation, Fault Fault)> _log = [];
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public FaultProxy(string targetEndpoint)
    {
        _target = targetEndpoint.TrimEnd('/');
        _server = new LoopbackHttpServer(HandleAsync);
    }

    public string Endpoint => _server.Url;

    public Func<string, int, Fault> Policy { get; set; } = (_, _) => Fault.None;

    /// <summary>For <see cref="Fault.WithholdMatching"/>: which write requests (JSON, e.g. {"PutRequest":{…}}) to leave unprocessed.</summary>
    public Func<JsonNode, bool> Withhold { get; set; } = _ => false;

    /// <summary>
    /// Rewrites a successful answer forwarded unchanged (no fault), given the operation and its body: e.g.
    /// <see cref="StreamTimestamps.WholeSeconds"/>, to make moto's answers look like AWS's.
    /// </summary>
    public Func<string, byte[], byte[]> Answer { get; set; } = (_, body) => body;

    /// <summary>
    /// Forward one request at a time. moto serves requests on concurrent threads without a lock,
    /// and a TransactWriteItems it cancels puts back a deep copy of every table it names, taken when
    /// it began: writes other requests made to those tables meanwhile (items, and their stream
    /// records) are undone, and a conditional write's check and write can interleave with another
    /// request's. DynamoDB makes each write atomic; so does moto when it sees one request at a time.
    /// </summary>
    public bool OneAtATime { get; init; }

    /// <summary>Every request seen, with the fault applied to it.</summary>
    public IReadOnlyList<(string Operation, Fault Fault)> Log
    {
        get
        {
            lock (_log)
            {
                return [.. _log];
            }
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            var body = await LoopbackHttpServer.ReadBodyAsync(context.Request);
            var target = context.Request.Headers["X-Amz-Target"] ?? "";
            var operation = target[(target.IndexOf('.', StringComparison.Ordinal) + 1)..];
            Fault fault;
            lock (_log)
            {
                var call = _calls[operation] = _calls.GetValueOrDefault(operation) + 1;
                fault = Policy(operation, call);
                _log.Add((operation, fault));
            }

            switch (fault)
            {
                case Fault.Throttle:
                    await ErrorAsync(context, 400, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", "The level of configured provisioned throughput for the table was exceeded.");
                    return;
                case Fault.ServerError:
                    await ErrorAsync(context, 500, "com.amazonaws.dynamodb.v20120810#InternalServerError", "Internal server error");
                    return;
                case Fault.Unavailable:
                    await ErrorAsync(context, 503, "com.amazonaws.dynamodb.v20120810#ServiceUnavailable", "Service unavailable");
                    return;
                case Fault.DropConnection:
                    await DropAsync(context);
                    return;
                case Fault.HalfUnprocessed when operation == "BatchWriteItem":
                    await UnprocessedAsync(context, body, (list, index) => index >= list.Count - (list.Count / 2));
                    return;
                case Fault.HalfUnprocessed when operation == "BatchGetItem":
                    await UnprocessedKeysAsync(context, body);
                    return;
                case Fault.WithholdMatching when operation == "BatchWriteItem":
                    await UnprocessedAsync(context, body, (list, index) => Withhold(list[index]!));
                    return;
                default:
                    var (status, headers, answer) = await ForwardAsync(context.Request, body);
                    if (fault == Fault.DropAfterForwarding)
                    {
                        await DropAsync(context);
                        return;
                    }

                    if (status == 200)
                    {
                        answer = Answer(operation, answer);
                    }

                    await LoopbackHttpServer.RespondAsync(context, status, headers, answer);
                    return;
            }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away; nothing to answer.
        }
    }

    /// <summary>Forwards the write requests <paramref name="withhold"/> does not pick; returns the picked ones as UnprocessedItems.</summary>
    private async Task UnprocessedAsync(HttpListenerContext context, byte[] body, Func<JsonArray, int, bool> withhold)
    {
        var request = JsonNode.Parse(body)!.AsObject();
        var items = request["RequestItems"]!.AsObject();
        var unprocessed = new JsonObject();
        foreach (var (table, requests) in items.ToList())
        {
            var list = requests!.AsArray();
            var picked = Enumerable.Range(0, list.Count).Where(i => withhold(list, i)).ToList();
            var withheld = new JsonArray(picked.Select(i => list[i]!.DeepClone()).ToArray());
            foreach (var index in Enumerable.Reverse(picked))
            {
                list.RemoveAt(index);
            }

            if (withheld.Count > 0)
            {
                unprocessed[table] = withheld;
            }

            if (list.Count == 0)
            {
                items.Remove(table);
            }
        }

        if (items.Count == 0)
        {
            // Nothing left to forward: the service would have processed nothing.
            await LoopbackHttpServer.RespondAsync(context, 200, [KeyValuePair.Create("Content-Type", "application/x-amz-json-1.0")],
                Encoding.UTF8.GetBytes(new JsonObject { ["UnprocessedItems"] = unprocessed }.ToJsonString()));
            return;
        }

        var (status, headers, answer) = await ForwardAsync(context.Request, Encoding.UTF8.GetBytes(request.ToJsonString()));
        if (status == 200)
        {
            var response = JsonNode.Parse(answer)!.AsObject();
            response["UnprocessedItems"] = unprocessed;
            answer = Encoding.UTF8.GetBytes(response.ToJsonString());
        }

        await LoopbackHttpServer.RespondAsync(context, status, headers, answer);
    }

    /// <summary>Reads the first half of each table's keys; returns the rest as UnprocessedKeys, with the request's other settings (ConsistentRead, projection), as DynamoDB does.</summary>
    private async Task UnprocessedKeysAsync(HttpListenerContext context, byte[] body)
    {
        var request = JsonNode.Parse(body)!.AsObject();
        var items = request["RequestItems"]!.AsObject();
        var unprocessed = new JsonObject();
        foreach (var (table, spec) in items.ToList())
        {
            var keys = spec!["Keys"]!.AsArray();
            var keep = keys.Count - (keys.Count / 2);
            if (keep == keys.Count)
            {
                continue;
            }

            var left = spec.DeepClone().AsObject();
            left["Keys"] = new JsonArray(keys.Skip(keep).Select(key => key!.DeepClone()).ToArray());
            unprocessed[table] = left;
            while (keys.Count > keep)
            {
                keys.RemoveAt(keys.Count - 1);
            }
        }

        var (status, headers, answer) = await ForwardAsync(context.Request, Encoding.UTF8.GetBytes(request.ToJsonString()));
        if (status == 200)
        {
            var response = JsonNode.Parse(answer)!.AsObject();
            response["UnprocessedKeys"] = unprocessed;
            answer = Encoding.UTF8.GetBytes(response.ToJsonString());
        }

        await LoopbackHttpServer.RespondAsync(context, status, headers, answer);
    }

    private async Task<(int Status, List<KeyValuePair<string, string>> Headers, byte[] Body)> ForwardAsync(HttpListenerRequest request, byte[] body)
    {
        using var forward = new HttpRequestMessage(new HttpMethod(request.HttpMethod), _target + request.RawUrl) { Content = new ByteArrayContent(body) };
        foreach (var name in request.Headers.AllKeys.OfType<string>())
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var value = request.Headers[name]!;
            if (!forward.Headers.TryAddWithoutValidation(name, value))
            {
                forward.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var response = await SendAsync(forward);
        var headers = response.Headers.Concat(response.Content.Headers)
            .Where(h => !h.Key.Equals("x-amz-crc32", StringComparison.OrdinalIgnoreCase)
                && !h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
                && !h.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
                && !h.Key.Equals("Connection", StringComparison.OrdinalIgnoreCase)
                && !h.Key.Equals("Server", StringComparison.OrdinalIgnoreCase)
                && !h.Key.Equals("Date", StringComparison.OrdinalIgnoreCase))
            .Select(h => KeyValuePair.Create(h.Key, string.Join(",", h.Value)))
            .ToList();
        return ((int)response.StatusCode, headers, await response.Content.ReadAsByteArrayAsync());
    }

    /// <summary>Sends and reads the whole answer (inside the one-at-a-time section when <see cref="OneAtATime"/>).</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage forward)
    {
        if (OneAtATime)
        {
            await _oneAtATime.WaitAsync();
        }

        try
        {
            var response = await _upstream.SendAsync(forward);
            await response.Content.LoadIntoBufferAsync();
            return response;
        }
        finally
        {
            if (OneAtATime)
            {
                _oneAtATime.Release();
            }
        }
    }

    /// <summary>
    /// Drops the connection mid-answer: a 200 that promises a body, the start of it, then the
    /// connection closed. HttpListener's Abort alone often sends a complete, empty 200 on Linux,
    /// which is not a dropped connection at all.
    /// </summary>
    private static async Task DropAsync(HttpListenerContext context)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentLength64 = 4096;
        await context.Response.OutputStream.WriteAsync("{\"Unproc"u8.ToArray());
        await context.Response.OutputStream.FlushAsync();
        context.Response.Abort();
    }

    private static Task ErrorAsync(HttpListenerContext context, int status, string type, string message) =>
        LoopbackHttpServer.RespondAsync(context, status, [KeyValuePair.Create("Content-Type", "application/x-amz-json-1.0")],
            Encoding.UTF8.GetBytes(new JsonObject { ["__type"] = type, ["message"] = message }.ToJsonString()));

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _upstream.Dispose();
        _oneAtATime.Dispose();
    }
}
