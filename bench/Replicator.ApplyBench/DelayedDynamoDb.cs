using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Replicator.ApplyBench;

/// <summary>
/// A stand-in for a DynamoDB endpoint in another region: accepts PutItem, DeleteItem and
/// BatchWriteItem (JSON protocol, <c>X-Amz-Target: DynamoDB_20120810.*</c>) on a free loopback
/// port, counts every request and every item, and answers each after <see cref="Delay"/>, the
/// round trip. Kestrel serves each request on its own (no concurrency limit, no blocking), so any
/// number in flight wait out the delay together; <see cref="MaxInFlight"/> shows how many did.
/// Everything is accepted: no table, no throttling, <c>UnprocessedItems</c> always empty.
/// </summary>
internal sealed class DelayedDynamoDb : IAsyncDisposable
{
    private const string TargetPrefix = "DynamoDB_20120810.";

    private readonly WebApplication _app;
    private long _requests;
    private long _items;
    private long _inFlight;
    private long _maxInFlight;

    private DelayedDynamoDb(WebApplication app, TimeSpan delay)
    {
        _app = app;
        Delay = delay;
        app.Run(HandleAsync);
    }

    public TimeSpan Delay { get; set; }

    public Uri Url { get; private set; } = null!;

    public long Requests => Interlocked.Read(ref _requests);

    public long Items => Interlocked.Read(ref _items);

    public long MaxInFlight => Interlocked.Read(ref _maxInFlight);

    /// <summary>When (<see cref="System.Diagnostics.Stopwatch"/> timestamps) the first and the last request of the run arrived, whole.</summary>
    public (long First, long Last) Arrivals => (Interlocked.Read(ref _firstArrival), Interlocked.Read(ref _lastArrival));

    private long _firstArrival;
    private long _lastArrival;

    public static async Task<DelayedDynamoDb> StartAsync(TimeSpan delay)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = null;
            kestrel.Limits.MaxConcurrentUpgradedConnections = null;
            kestrel.Limits.MaxRequestBodySize = null;
        });
        var endpoint = new DelayedDynamoDb(builder.Build(), delay);
        await endpoint._app.StartAsync().ConfigureAwait(false);
        var address = endpoint._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        endpoint.Url = new Uri(address);
        return endpoint;
    }

    /// <summary>Zeroes the counters, before a run.</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _items, 0);
        Interlocked.Exchange(ref _maxInFlight, 0);
        Interlocked.Exchange(ref _firstArrival, 0);
        Interlocked.Exchange(ref _lastArrival, 0);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var inFlight = Interlocked.Increment(ref _inFlight);
        try
        {
            for (var max = Interlocked.Read(ref _maxInFlight); inFlight > max; max = Interlocked.Read(ref _maxInFlight))
            {
                if (Interlocked.CompareExchange(ref _maxInFlight, inFlight, max) == max)
                {
                    break;
                }
            }

            var target = context.Request.Headers["X-Amz-Target"].ToString();
            var operation = target.StartsWith(TargetPrefix, StringComparison.Ordinal) ? target[TargetPrefix.Length..] : target;
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted).ConfigureAwait(false);
            int items;
            string answer;
            switch (operation)
            {
                case "PutItem" or "DeleteItem":
                    items = 1;
                    answer = "{}";
                    break;
                case "BatchWriteItem":
                    items = CountWriteRequests(body.GetBuffer().AsSpan(0, (int)body.Length));
                    answer = """{"UnprocessedItems":{}}""";
                    break;
                default:
                    context.Response.StatusCode = StatusCodes.Status400BadRequest;
                    context.Response.ContentType = "application/x-amz-json-1.0";
                    await context.Response.WriteAsync($$"""{"__type":"com.amazonaws.dynamodb.v20120810#UnknownOperationException","message":"{{operation}} is not served here"}""", context.RequestAborted).ConfigureAwait(false);
                    return;
            }

            var arrived = System.Diagnostics.Stopwatch.GetTimestamp();
            Interlocked.CompareExchange(ref _firstArrival, arrived, 0);
            for (var last = Interlocked.Read(ref _lastArrival); arrived > last; last = Interlocked.Read(ref _lastArrival))
            {
                if (Interlocked.CompareExchange(ref _lastArrival, arrived, last) == last)
                {
                    break;
                }
            }

            Interlocked.Increment(ref _requests);
            Interlocked.Add(ref _items, items);
            await Task.Delay(Delay, context.RequestAborted).ConfigureAwait(false);
            context.Response.ContentType = "application/x-amz-json-1.0";
            context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString("N");
            await context.Response.WriteAsync(answer, context.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>The put and delete requests of a BatchWriteItem body: <c>{"RequestItems":{"table":[{"PutRequest":…},…]}}</c>.</summary>
    private static int CountWriteRequests(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 128 });
        var count = 0;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("RequestItems"u8))
            {
                reader.Read();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    reader.Read();
                    while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                    {
                        count++;
                        reader.Skip();
                    }
                }
            }
            else if (reader.TokenType == JsonTokenType.PropertyName)
            {
                reader.Read();
                reader.Skip();
            }
        }

        return count;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
