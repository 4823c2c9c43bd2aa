using System.Diagnostics;
using System.Globalization;
using System.Text;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Replicator;
using Replicator.Applying;
using Replicator.ApplyBench;
using Replicator.Aws;
using Replicator.Benchmarks;
using Replicator.Model;
using Replicator.Parsing;
using Replicator.Planning;

// dotnet run -c Release --project bench/Replicator.ApplyBench -- [--smoke] [--markdown PATH] [--delay-ms N] [--runs N] [--baseline-records N] [--sizes N,N,…]
//   --smoke               sizes 10 and 100, a 5 ms round trip, one run each (seconds): for CI, timings not judged
//   --markdown PATH       write the results, with machine, date, command and targets, to PATH
//   --delay-ms N          the round trip the endpoint adds to every request (default 60)
//   --runs N              timed runs per scenario, after the warm-up; the median is reported (default 7)
//   --baseline-records N  records the one-by-one baseline writes; larger batches are extrapolated (default 100)
//   --sizes N,N,…         batch sizes (default 100,1000,10000)

var smoke = args.Contains("--smoke");
string? markdown = null;
var delayMs = smoke ? 5 : 60;
var runs = smoke ? 1 : 7;
var baselineRecords = smoke ? 10 : 100;
var warmUpRuns = smoke ? 2 : 30;
int[]? sizesOption = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--smoke":
            break;
        case "--markdown" when i + 1 < args.Length:
            markdown = args[++i];
            break;
        case "--delay-ms" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var value) && value >= 0:
            delayMs = value;
            i++;
            break;
        case "--runs" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var value) && value > 0:
            runs = value;
            i++;
            break;
        case "--baseline-records" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var value) && value > 0:
            baselineRecords = value;
            i++;
            break;
        case "--sizes" when i + 1 < args.Length && args[i + 1].Split(',').All(part => int.TryParse(part, CultureInfo.InvariantCulture, out var size) && size > 0):
            sizesOption = [.. args[++i].Split(',').Select(part => int.Parse(part, CultureInfo.InvariantCulture))];
            break;
        default:
            Console.Error.WriteLine($"unknown or incomplete option '{args[i]}'; usage: Replicator.ApplyBench [--smoke] [--markdown PATH] [--delay-ms N] [--runs N] [--baseline-records N] [--sizes N,N,…]");
            return 2;
    }
}

var sizes = sizesOption ?? (smoke ? [10, 100] : [100, 1_000, 10_000]);
const int HotKeys = 10;
var roundTrip = TimeSpan.FromMilliseconds(delayMs);

// No thread-pool boost: the engine, the SDK and the endpoint are asynchronous end to end, and
// raising the minimum to 256 threads only made 40 requests' preparation share two cores among
// 40 threads, sending every request late instead of the first ones early (measured: slower).

await using var endpoint = await DelayedDynamoDb.StartAsync(roundTrip);
using var clients = new AwsClients(new BasicAWSCredentials("bench", "bench"), endpoint.Url.ToString(), _ => null);
var target = new TargetTable("us-west-2", "orders");
var client = clients.DynamoDb(target.Region);
// The hosts' writer (DynamoDB's JSON protocol, images as their bytes); the SDK client is the one-by-one baseline's.
var writer = clients.Writer(target);
var settings = new ReplicationSettings();
var engine = new ReplicationEngine([writer], null, settings, TimeProvider.System, new Random(6));
Console.WriteLine($"endpoint {endpoint.Url} answering after {delayMs} ms; engine: {settings.MaxConcurrentRequests} requests in flight per target; GC: {GcMode()}");

// Warm up as a long-running Lambda function or poller is: the SDK's first-call set-up, the
// connection pool grown to the engine's concurrency, and the JIT's tiers settled (optimised code
// comes after a few dozen calls; the Lambda host is Native AOT, optimised from the start). The
// first run is timed and reported apart: a cold process with no connections.
var warmUpBatch = StreamBatches.Generate(settings.MaxConcurrentRequests * ReplicationOptions.MaxBatchWriteItems, settings.MaxConcurrentRequests * ReplicationOptions.MaxBatchWriteItems, seed: 1);
var firstRun = await ApplyAsync(warmUpBatch);
Console.WriteLine($"first run: {warmUpBatch.Records:N0} changes in {firstRun.Time.TotalMilliseconds:N0} ms ({firstRun.Requests} requests, cold process and connections)");
for (var i = 1; i < warmUpRuns; i++)
{
    await ApplyAsync(warmUpBatch);
}

// The endpoint must hold many requests at once without queueing them: 200 PutItem sent together
// should all come back after about one round trip. The second try is reported: the first also
// opens the connections beyond the engine's 64.
const int ConcurrencyProbe = 200;
var probe = TimeSpan.Zero;
var probeInFlight = 0L;
for (var attempt = 0; attempt < 2; attempt++)
{
    endpoint.Reset();
    var started = Stopwatch.GetTimestamp();
    await Task.WhenAll(Enumerable.Range(0, ConcurrencyProbe).Select(i => client.PutItemAsync(new PutItemRequest
    {
        TableName = target.TableName,
        Item = AttributeValues.ToSdk(StreamBatches.KeyOf(i)),
    })));
    probe = Stopwatch.GetElapsedTime(started);
    probeInFlight = endpoint.MaxInFlight;
}

Console.WriteLine($"endpoint check: {ConcurrencyProbe} concurrent PutItem in {probe.TotalMilliseconds:N0} ms, {probeInFlight} in flight at once");

var scenarios = sizes.SelectMany(size => new[] { (size, Hot: false, Items: StreamBatches.Items.Realistic), (size, Hot: true, Items: StreamBatches.Items.Realistic) }).ToList();
if (!smoke && sizes.Contains(1_000))
{
    // The same target with small items: what the round trips cost when items are cheap to read and write.
    scenarios.Insert(scenarios.FindIndex(s => s.size == 1_000) + 2, (1_000, false, StreamBatches.Items.Small));
}

var rows = new List<Row>();
foreach (var (size, hot, items) in scenarios)
{
    var batch = StreamBatches.Generate(size, hot ? HotKeys : size, seed: 6_000 + size + (hot ? 1 : 0), items);
    await ApplyAsync(batch); // untimed: this batch once through the writer
    var results = new List<Run>();
    for (var run = 0; run < runs; run++)
    {
        results.Add(await ApplyAsync(batch));
    }

    var planTimes = Enumerable.Range(0, Math.Max(5, runs)).Select(_ => TimePlan(batch.Json)).Order().ToList();
    var measured = Math.Min(baselineRecords, size);
    var baseline = await OneByOneAsync(batch.Json, measured);
    var row = new Row(size, hot, items, batch.DistinctKeys, batch.Json.Length, results, planTimes[planTimes.Count / 2], baseline, measured);
    rows.Add(row);
    Console.WriteLine($"{size,6:N0} changes on {batch.DistinctKeys,6:N0} keys{(items == StreamBatches.Items.Small ? " (small items)" : "")}: median {row.Median.TotalMilliseconds,7:N1} ms (first request at {row.Typical.FirstSent.TotalMilliseconds:N1} ms, last at {row.Typical.LastSent.TotalMilliseconds:N1} ms), {row.Typical.Requests,4} requests, {row.Typical.Items,6:N0} items, max {row.Typical.MaxInFlight} in flight; one by one {Seconds(row.BaselineTime)}{(measured < size ? $" (extrapolated from {measured})" : "")}; speed-up {row.Speedup:N0}×");
}

// Multi-active, same run: three regions in memory, each call answered after the same round trip.
var multiActiveSize = smoke ? 100 : 1_000;
var multiActiveWarmUp = smoke ? 1 : 3;
var multiActive = new MultiActiveBench(roundTrip, new Replicator.MultiActive.MultiActiveSettings(), settings);
var multiActiveRuns = new Dictionary<MultiActiveScenario, List<MultiActiveRun>>();
for (var round = 0; round < multiActiveWarmUp + runs; round++)
{
    var keys = MultiActiveBench.KeysOf(round, multiActiveSize);
    foreach (var scenario in Enum.GetValues<MultiActiveScenario>())
    {
        var result = await multiActive.RunAsync(scenario, keys);
        if (round >= multiActiveWarmUp)
        {
            (multiActiveRuns.TryGetValue(scenario, out var list) ? list : multiActiveRuns[scenario] = []).Add(result);
        }
    }
}

foreach (var (scenario, results) in multiActiveRuns)
{
    var typical = results.OrderBy(run => run.Time).ElementAt(results.Count / 2);
    Console.WriteLine($"multi-active {scenario}: {multiActiveSize:N0} changes on distinct keys, median {typical.Time.TotalMilliseconds:N1} ms ({(delayMs > 0 ? (typical.Time / roundTrip).ToString("N1", CultureInfo.InvariantCulture) : "-")} round trips); calls: {string.Join(", ", typical.Calls.OrderBy(pair => pair.Key).Select(pair => $"{pair.Key} {pair.Value}"))}; echoes: {string.Join(", ", typical.EchoCalls.OrderBy(pair => pair.Key).Select(pair => $"{pair.Key} {pair.Value}"))}");
}

if (markdown is not null)
{
    Machine.Write(markdown, Report() + MultiActiveReport.Write(multiActiveRuns, multiActiveSize, roundTrip, rows.FirstOrDefault(row => row.Changes == multiActiveSize && !row.Hot && row.Items == StreamBatches.Items.Realistic)?.Median, smoke, multiActive.Settings.MaxConcurrentKeys));
}

return 0;

async Task<Run> ApplyAsync(StreamBatches.Batch batch)
{
    endpoint.Reset();
    var started = Stopwatch.GetTimestamp();
    var report = await engine.ProcessAsync(batch.Json, DateTimeOffset.UtcNow.AddMinutes(5), CancellationToken.None);
    var time = Stopwatch.GetElapsedTime(started);
    if (!report.Succeeded || report.RecordsApplied != batch.Records || report.Keys != batch.DistinctKeys)
    {
        throw new InvalidOperationException($"the engine did not apply the batch: {report.RecordsApplied} of {batch.Records} records applied, {report.Keys} keys, errors: {string.Join("; ", report.Errors)}");
    }

    var (first, last) = endpoint.Arrivals;
    return new Run(time, endpoint.Requests, endpoint.Items, endpoint.MaxInFlight, Stopwatch.GetElapsedTime(started, first), Stopwatch.GetElapsedTime(started, last));
}

static TimeSpan TimePlan(byte[] json)
{
    var started = Stopwatch.GetTimestamp();
    GC.KeepAlive(Planner.Plan(StreamEventParser.Parse(json), TtlDeletes.Replicate));
    return Stopwatch.GetElapsedTime(started);
}

// The replaced design: every record written on its own, PutItem or DeleteItem, one after another.
// Parsing is not timed (it would only make the baseline slower).
async Task<TimeSpan> OneByOneAsync(byte[] json, int records)
{
    var parsed = StreamEventParser.Parse(json);
    endpoint.Reset();
    var started = Stopwatch.GetTimestamp();
    foreach (var record in parsed.Records.Take(records))
    {
        var action = record.Kind == ChangeKind.Remove
            ? new WriteAction(record.Key, WriteKind.Delete, record.Key.Attributes, record.SequenceNumber, record, 1, record.ApproximateCreationTime)
            : new WriteAction(record.Key, WriteKind.Put, record.NewImage!, record.SequenceNumber, record, 1, record.ApproximateCreationTime);
        if (await writer.WriteOneAsync(action, CancellationToken.None) is not WriteOutcome.Written)
        {
            throw new InvalidOperationException($"the baseline's write of {record.Key} was not applied");
        }
    }

    var time = Stopwatch.GetElapsedTime(started);
    if (endpoint.Requests != records || endpoint.Items != records)
    {
        throw new InvalidOperationException($"the baseline sent {endpoint.Requests} requests with {endpoint.Items} items for {records} records");
    }

    return time;
}

string Report()
{
    var text = new StringBuilder();
    var command = "dotnet run -c Release --project bench/Replicator.ApplyBench --" + string.Concat(args.Select(arg => " " + arg));
    var culture = CultureInfo.InvariantCulture;
    text.AppendLine(culture, $"# Apply throughput under a {delayMs} ms round trip{(smoke ? " — smoke run, timings not meaningful" : "")}");
    text.AppendLine();
    text.AppendLine(culture, $"- Machine: {Machine.Describe()}");
    text.AppendLine(culture, $"- Date: {Machine.Now()}");
    text.AppendLine(culture, $"- Command: `{command}`");
    text.AppendLine(culture, $"- Endpoint: an in-process Kestrel stand-in for DynamoDB on 127.0.0.1 (HTTP/1.1, JSON protocol) that answers PutItem, DeleteItem and BatchWriteItem after {delayMs} ms and counts requests and items. It shares the machine's cores with the engine. Check: {ConcurrencyProbe} PutItem sent at once came back in {Ms(probe)}{(delayMs > 0 ? $" ({(probe / roundTrip).ToString("N1", culture)} round trips)" : "")}, {probeInFlight} of them in flight together: it does not queue them.");
    text.AppendLine(culture, $"- Engine: `ReplicationEngine` with the hosts' writer, `AwsClients(credentials, endpoint).Writer(target)` (`DynamoDbHttpWriter`: DynamoDB's JSON protocol without the SDK, stream images copied into the bodies as their bytes), default settings ({settings.MaxConcurrentRequests} requests in flight per target, BatchWriteItem chunks of {ReplicationOptions.MaxBatchWriteItems}; no connection limit). GC as in the hosts: {GcMode()}. Time = `ProcessAsync` on the event's bytes: parse, plan, write, report. Median of {runs} run(s) after a warm-up of {warmUpRuns} runs of {warmUpBatch.Records:N0} changes on distinct keys and one untimed run of the batch itself, as a warm Lambda function or a running poller would be: connections open, JIT tiers settled. The first warm-up run, a cold process with no connections, took {Ms(firstRun.Time)}.");
    text.AppendLine(culture, $"- Baseline (the replaced design, same run, same SDK client and endpoint): one `PutItem` (new image) or `DeleteItem` per record, in sequence. Measured on the first {baselineRecords} records of each batch and extrapolated linearly to larger batches (at {delayMs} ms a request, 10,000 records would take {10_000 * delayMs / 60_000.0:N0} minutes); its parsing is not timed.");
    text.AppendLine("- Changes: the seeded Lambda-shaped events of the in-process benchmark: items of 10–50 attributes of every type (about 2 KB of JSON each), or, where marked small, the key and 8 scalar attributes (about 0.3 KB). Distinct keys: one change per key, 1 in 10 a delete. Hot keys: every change on one of 10 keys, coalesced to 10 writes.");
    text.AppendLine("- First / last request: when the endpoint had the run's first and last request whole, from the start of `ProcessAsync`; before the first is parse + plan, between them the requests' preparation (bodies, signing) and sending.");
    text.AppendLine();
    text.AppendLine("| changes | keys | event size | time (median) | min – max | round trips (time ÷ RTT) | first / last request at | parse + plan alone | requests sent | items received | most in flight | one by one (baseline) | speed-up |");
    text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var row in rows)
    {
        var baseline = row.BaselineMeasured < row.Changes
            ? $"{Seconds(row.BaselineTime)} (extrapolated from {row.BaselineMeasured}: {Seconds(row.BaselineMeasuredTime)})"
            : Seconds(row.BaselineTime);
        var keys = $"{row.Keys:N0}{(row.Hot ? " (hot)" : "")}{(row.Items == StreamBatches.Items.Small ? ", small items" : "")}";
        text.AppendLine(culture,
            $"| {row.Changes:N0} | {keys} | {row.EventBytes / 1024.0 / 1024.0:N2} MiB | **{Ms(row.Median)}** | {Ms(row.Min)} – {Ms(row.Max)} | {(delayMs > 0 ? (row.Median / roundTrip).ToString("N1", culture) : "-")} | {Ms(row.Typical.FirstSent)} / {Ms(row.Typical.LastSent)} | {Ms(row.PlanTime)} | {row.Typical.Requests:N0} | {row.Typical.Items:N0} | {row.Typical.MaxInFlight:N0} | {baseline} | {row.Speedup:N0}× |");
    }

    if (!smoke && delayMs > 0 && rows.Any(row => row.Changes == 1_000 && !row.Hot && row.Items == StreamBatches.Items.Realistic))
    {
        var target = rows.Single(row => row.Changes == 1_000 && !row.Hot && row.Items == StreamBatches.Items.Realistic);
        var limit = 2 * roundTrip;
        text.AppendLine();
        text.AppendLine(culture, $"Targets, 1,000 changes on distinct keys: at most 2 round trips ({Ms(limit)}): **{Ms(target.Median)}** median ({target.Median / roundTrip:N2} round trips; best {Ms(target.Min)}) — {(target.Median <= limit ? "met" : "**not met**")}; at least 500× the one-by-one baseline: **{target.Speedup:N0}×** — {(target.Speedup >= 500 ? "met" : "**not met**")}.");
    }

    return text.ToString();
}

static string GcMode() =>
    $"{(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, {(System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.Batch ? "non-concurrent" : "concurrent")}";

static string Ms(TimeSpan time) => time.TotalMilliseconds.ToString("N1", CultureInfo.InvariantCulture) + " ms";

static string Seconds(TimeSpan time) => time.TotalSeconds >= 60
    ? $"{time.TotalMinutes.ToString("N1", CultureInfo.InvariantCulture)} min"
    : $"{time.TotalSeconds.ToString("N2", CultureInfo.InvariantCulture)} s";

/// <summary>One timed apply: how long, what the endpoint saw, and when its first and last request arrived.</summary>
internal sealed record Run(TimeSpan Time, long Requests, long Items, long MaxInFlight, TimeSpan FirstSent, TimeSpan LastSent);

/// <summary>One scenario's runs, its parse + plan time, and the baseline measured on <see cref="BaselineMeasured"/> records.</summary>
internal sealed record Row(int Changes, bool Hot, StreamBatches.Items Items, int Keys, int EventBytes, IReadOnlyList<Run> Runs, TimeSpan PlanTime, TimeSpan BaselineMeasuredTime, int BaselineMeasured)
{
    private IReadOnlyList<Run> Sorted => [.. Runs.OrderBy(run => run.Time)];

    public Run Typical => Sorted[Sorted.Count / 2];

    public TimeSpan Median => Typical.Time;

    public TimeSpan Min => Sorted[0].Time;

    public TimeSpan Max => Sorted[^1].Time;

    public TimeSpan BaselineTime => BaselineMeasuredTime * ((double)Changes / BaselineMeasured);

    public double Speedup => BaselineTime / Median;
}
