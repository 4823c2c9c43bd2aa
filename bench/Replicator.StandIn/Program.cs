using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Replicator.StandIn;

// A fast stand-in for DynamoDB and DynamoDB Streams on a loopback port, for the scale benchmarks:
//
//   dotnet bench/Replicator.StandIn/bin/Release/net10.0/Replicator.StandIn.dll \
//     [--port 0] [--items 100000] [--item-bytes 1024] [--delay-ms 0] \
//     [--read-units 0] [--write-units 0] [--shards 1] [--records 0] [--records-per-second 0]
//     [--roll-every 0] [--shard-reads-per-second 0]
//
// It prints "listening on http://127.0.0.1:PORT" and serves until its standard input closes.
// GET /stats answers what it served (JSON); POST /reset zeroes the counters. --read-units and
// --write-units are each table's capacity per second (0: unlimited); --delay-ms holds every
// answer that long (a round trip). The stream (Streams.cs, StreamSet.cs): --shards open shards,
// --records there from the start and --records-per-second made as time passes, spread over the open
// shards; --roll-every closes each open shard that often and opens a child; --shard-reads-per-second
// throttles GetRecords per shard. GET /stats adds "streams" and "lag" (each record's write to a
// target less the time it was made, from the "gen" attribute of its new image).
var options = Options.Parse(args);
var stats = new Stats();
const string StreamArn = "arn:aws:dynamodb:us-east-1:123456789012:table/source/stream/2026-01-01T00:00:00.000";
var generated = new GeneratedItems(options.Items, options.ItemBytes);
var lags = new Lags();
var tables = new Tables(generated, options.ReadUnits, options.WriteUnits, stats, StreamArn) { Lags = lags };
var stream = new StreamSet(options.Shards, options.Items);
stream.Write(options.Records, StreamSet.NowMicros());
var streams = new Streams(StreamArn, stream, generated, options.ShardReadsPerSecond);
using var stopGenerating = new CancellationTokenSource();
var generating = stream.GenerateAsync(options.RecordsPerSecond, TimeSpan.FromSeconds(options.RollEverySeconds), stopGenerating.Token);

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Listen(IPAddress.Loopback, options.Port, listen => listen.Use(next => async connection =>
    {
        stats.ConnectionOpened();
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            stats.ConnectionClosed();
        }
    }));
    kestrel.AddServerHeader = false;
    kestrel.Limits.MaxConcurrentConnections = null;
    kestrel.Limits.MaxRequestBodySize = null;
});
var app = builder.Build();
app.Run(async context =>
{
    if (context.Request.Method == "GET" && context.Request.Path == "/stats")
    {
        context.Response.ContentType = "application/json";
        using var reply = Reply.Json(writer => stats.WriteTo(writer, more =>
        {
            streams.WriteTo(more);
            lags.WriteTo(more);
        }));
        await context.Response.Body.WriteAsync(reply.Body).ConfigureAwait(false);
        return;
    }

    if (context.Request.Method == "POST" && context.Request.Path == "/reset")
    {
        stats.Reset();
        streams.Reset();
        lags.Reset();
        return;
    }

    stats.Started();
    try
    {
        var target = context.Request.Headers["X-Amz-Target"].ToString();
        var dot = target.IndexOf('.', StringComparison.Ordinal);
        var service = dot < 0 ? "" : target[..dot];
        var operation = target[(dot + 1)..];
        using var body = new MemoryStream(context.Request.ContentLength is > 0 and < int.MaxValue ? (int)context.Request.ContentLength : 1024);
        await context.Request.Body.CopyToAsync(body, context.RequestAborted).ConfigureAwait(false);
        stats.Request(operation);
        var request = body.GetBuffer().AsMemory(0, (int)body.Length);
        Reply reply;
        try
        {
            reply = service switch
            {
                "DynamoDB_20120810" => tables.Handle(operation, request),
                "DynamoDBStreams_20120810" => streams.Handle(operation, request),
                _ => Reply.Error("UnknownOperationException", $"X-Amz-Target '{target}' is not served by the stand-in"),
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            reply = Reply.Error("SerializationException", $"{operation}: the request could not be read ({e.Message})");
        }

        using (reply)
        {
            if (options.DelayMs > 0)
            {
                await Task.Delay(options.DelayMs, context.RequestAborted).ConfigureAwait(false);
            }

            context.Response.StatusCode = reply.Status;
            context.Response.ContentType = "application/x-amz-json-1.0";
            context.Response.ContentLength = reply.Length;
            context.Response.Headers["x-amzn-RequestId"] = "stand-in";
            await context.Response.Body.WriteAsync(reply.Body, context.RequestAborted).ConfigureAwait(false);
        }
    }
    finally
    {
        stats.Finished();
    }
});
await app.StartAsync().ConfigureAwait(false);
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
Console.WriteLine($"listening on {address}");
Console.Out.Flush();

// Until the benchmark closes our standard input (or dies, which closes it too).
await Console.In.ReadToEndAsync().ConfigureAwait(false);
await stopGenerating.CancelAsync().ConfigureAwait(false);
await generating.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
await app.StopAsync().ConfigureAwait(false);
