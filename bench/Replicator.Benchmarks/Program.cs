using System.Globalization;
using System.Text;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Replicator;
using Replicator.Benchmarks;
using Replicator.Parsing;
using Replicator.Planning;

// dotnet run -c Release --project bench/Replicator.Benchmarks -- [--smoke] [--markdown PATH]
//   --smoke          each benchmark once, in this process (seconds): for CI, timings not judged
//   --markdown PATH  write the results, with machine, date, command and targets, to PATH

const double TargetRecordsPerSecond = 250_000;
const double TargetBytesPerRecord = 2_048;

var smoke = args.Contains("--smoke");
var markdownAt = Array.IndexOf(args, "--markdown");
var markdown = markdownAt >= 0 && markdownAt + 1 < args.Length ? args[markdownAt + 1] : null;
if (args.Except(["--smoke", "--markdown", markdown]).Any())
{
    Console.Error.WriteLine("usage: Replicator.Benchmarks [--smoke] [--markdown PATH]");
    return 2;
}

// The inputs must be what they claim: every record readable, one action per key.
var sizes = new[] { 100, 1_000, 10_000 };
var batches = sizes.SelectMany(size => new[] { (size, false), (size, true) })
    .ToDictionary(input => input, input => ParsePlanBenchmarks.Event(input.size, input.Item2));
var bodyBytes = batches.ToDictionary(pair => pair.Key, pair => ParsePlanBenchmarks.Bodies(pair.Value.Json).Length);
foreach (var ((size, _), batch) in batches)
{
    var parsed = StreamEventParser.Parse(batch.Json);
    var plan = Planner.Plan(parsed, TtlDeletes.Replicate);
    if (parsed.Malformed.Count > 0 || plan.Problems.Count > 0 || plan.Actions.Count != batch.DistinctKeys)
    {
        Console.Error.WriteLine($"the generated batch of {size} records does not plan as expected: {parsed.Malformed.FirstOrDefault()?.Error ?? plan.Problems.FirstOrDefault()?.Error ?? $"{plan.Actions.Count} actions for {batch.DistinctKeys} keys"}");
        return 1;
    }
}

// The target is per core. The benchmark runs on one thread, and with the non-concurrent
// workstation GC every collection runs on that thread too, so one core does all the work. (Not
// pinned to a core: on a shared machine a pinned process waits for whatever else runs there.)
var job = smoke
    ? Job.Dry.WithToolchain(InProcessEmitToolchain.Instance).WithGcServer(false).WithGcConcurrent(false).WithId("Smoke")
    : Job.Default.WithGcServer(false).WithGcConcurrent(false).WithWarmupCount(3).WithIterationCount(15).WithId("OneCore");
var config = DefaultConfig.Instance
    .AddJob(job)
    .AddColumn(PerRecordColumn.RecordsPerSecond, PerRecordColumn.AllocatedPerRecord)
    .WithArtifactsPath(Path.Combine(Machine.RepositoryRoot(), "artifacts", "benchmarks", "inprocess"))
    .WithOptions(ConfigOptions.JoinSummary);
var summary = BenchmarkRunner.Run<ParsePlanBenchmarks>(config);
if (summary.HasCriticalValidationErrors || summary.Reports.Length != summary.BenchmarksCases.Length || summary.Reports.Any(report => !report.Success))
{
    Console.Error.WriteLine("a benchmark failed; see the log above");
    return 1;
}

if (markdown is not null)
{
    Machine.Write(markdown, Report(summary));
}

return 0;

string Report(Summary summary)
{
    // The case of another method on the same input.
    BenchmarkCase Sibling(BenchmarkCase benchmarkCase, Func<BenchmarkCase, bool> method) => summary.BenchmarksCases.Single(c =>
        method(c) && (int)c.Parameters["Records"]! == (int)benchmarkCase.Parameters["Records"]! && Small(c) == Small(benchmarkCase));

    var text = new StringBuilder();
    var command = "dotnet run -c Release --project bench/Replicator.Benchmarks --" + string.Concat(args.Select(arg => " " + arg));
    text.AppendLine(CultureInfo.InvariantCulture, $"# Parse + plan (in-process, BenchmarkDotNet){(smoke ? " — smoke run, timings not meaningful" : "")}");
    text.AppendLine();
    text.AppendLine(CultureInfo.InvariantCulture, $"- Machine: {Machine.Describe()}");
    text.AppendLine(CultureInfo.InvariantCulture, $"- Date: {Machine.Now()}");
    text.AppendLine(CultureInfo.InvariantCulture, $"- Command: `{command}`");
    text.AppendLine(CultureInfo.InvariantCulture, $"- Job: {(smoke ? "one iteration in-process (Dry)" : "BenchmarkDotNet, 3 warm-up and 15 measured iterations, workstation non-concurrent GC (every collection on the benchmark's one thread, so one core does all the work); records/s from the median (other processes on a shared machine only ever slow an iteration down)")}; one operation = one Lambda event held as `byte[]`, read by each method in turn (parse + plan: `StreamEventParser.Parse` then `Planner.Plan`)");
    text.AppendLine("- Input: seeded Lambda-shaped events, NEW_AND_OLD_IMAGES (INSERT with the new image, MODIFY with both, REMOVE with the old), composite key (S + N), about 4 records per key. Realistic items: 10–50 attributes of every type (maps nested 3 deep, lists of maps, SS/NS/BS, 38-digit and exponent numbers, binary, BOOL, NULL). Small items: the key and 8 scalar attributes.");
    text.AppendLine("- Baseline (`Baseline = true`, same run): the old path, `StreamEventParser.Parse` + `Planner.Plan` with every record's new image then read into values (`NewImage.Count`), which the parser did for every record up front before images stayed bytes (old images were read lazily already, at d2a9569). It replaces the reflection-based `JsonSerializer` baseline of earlier runs, whose role (the cost of the usual way) it takes with the engine's own old cost.");
    text.AppendLine("- Floors (what this machine cannot go below, same run): a copy of the event's bytes; the `Utf8JsonReader` token walk over them (a JSON syntax scan building nothing); SHA-256 of as many bytes as the batch's request bodies hold (each action's item as DynamoDB JSON: the last new image of a put, the key of a delete; SigV4 hashes every body). MB/s is of the bytes each reads: the event's, or for SHA-256 the bodies'.");
    text.AppendLine();
    text.AppendLine("| records | items | event bytes (per record) | keys | method | bytes read | mean | median | records/s | MB/s | allocated | per record | time vs baseline |");
    text.AppendLine("|---:|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var benchmarkCase in summary.BenchmarksCases.OrderBy(Small).ThenBy(c => (int)c.Parameters["Records"]!).ThenBy(Order))
    {
        var figures = Figures.Of(summary, benchmarkCase)!;
        var batch = batches[(figures.Records, Small(benchmarkCase))];
        var baseline = Figures.Of(summary, Sibling(benchmarkCase, c => c.Descriptor.Baseline))!;
        var ratio = benchmarkCase.Descriptor.Baseline ? "1.00"
            : figures.MedianNanoseconds <= baseline.MedianNanoseconds ? $"{figures.MedianNanoseconds / baseline.MedianNanoseconds:0.00} ({baseline.MedianNanoseconds / figures.MedianNanoseconds:0.0}× faster)"
            : $"{figures.MedianNanoseconds / baseline.MedianNanoseconds:0.00} ({figures.MedianNanoseconds / baseline.MedianNanoseconds:0.0}× slower)";
        var method = benchmarkCase.Descriptor.WorkloadMethodDisplayInfo.Trim('\'');
        var read = BytesRead(benchmarkCase);
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| {figures.Records:N0} | {ItemsOf(benchmarkCase)} | {batch.Json.Length:N0} ({batch.Json.Length / figures.Records:N0}) | {batch.DistinctKeys:N0} | {(IsParseAndPlan(benchmarkCase) ? $"**{method}**" : method)} | {read:N0} | {Duration(figures.MeanNanoseconds)} | {Duration(figures.MedianNanoseconds)} | {figures.RecordsPerSecond:N0} | {read / (figures.MedianNanoseconds / 1e9) / 1e6:N0} | {Bytes(figures.AllocatedBytes)} | {figures.BytesPerRecord:N0} B | {ratio} |");
    }

    text.AppendLine();
    text.AppendLine("Targets (parse + plan, on one core): ≥ 250,000 records/s and ≤ 2 KB (2,048 B) allocated per record.");
    text.AppendLine();
    text.AppendLine("| records | items | parse + plan records/s | target met | allocated per record | target met | old path (baseline) records/s | copy (floor) records/s | token walk (floor) records/s | SHA-256 of the bodies (floor) records/s | parse + plan, share of the token walk's rate |");
    text.AppendLine("|---:|---|---:|---|---:|---|---:|---:|---:|---:|---:|");
    foreach (var benchmarkCase in summary.BenchmarksCases.Where(IsParseAndPlan).OrderBy(Small).ThenBy(c => (int)c.Parameters["Records"]!))
    {
        var figures = Figures.Of(summary, benchmarkCase)!;
        var old = Figures.Of(summary, Sibling(benchmarkCase, c => c.Descriptor.Baseline))!;
        var copy = Figures.Of(summary, Sibling(benchmarkCase, c => Is(c, nameof(ParsePlanBenchmarks.CopyBytes))))!;
        var walk = Figures.Of(summary, Sibling(benchmarkCase, c => Is(c, nameof(ParsePlanBenchmarks.TokenWalk))))!;
        var hash = Figures.Of(summary, Sibling(benchmarkCase, c => Is(c, nameof(ParsePlanBenchmarks.Sha256))))!;
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| {figures.Records:N0} | {ItemsOf(benchmarkCase)} | {figures.RecordsPerSecond:N0} | {(figures.RecordsPerSecond >= TargetRecordsPerSecond ? "yes" : "**no**")} | {figures.BytesPerRecord:N0} B | {(figures.BytesPerRecord <= TargetBytesPerRecord ? "yes" : "**no**")} | {old.RecordsPerSecond:N0} | {copy.RecordsPerSecond:N0} | {walk.RecordsPerSecond:N0} | {hash.RecordsPerSecond:N0} | {figures.RecordsPerSecond / walk.RecordsPerSecond:P0} |");
    }

    text.AppendLine();
    text.AppendLine("Before the parser changes made with these benchmarks: `inprocess-before.md` (same command, the realistic inputs only, the previous commit's parser); for applying, `apply-before.md`.");
    return text.ToString();
}

static bool IsParseAndPlan(BenchmarkCase benchmarkCase) => benchmarkCase.Descriptor.WorkloadMethod.Name == nameof(ParsePlanBenchmarks.ParseAndPlan);

static bool Is(BenchmarkCase benchmarkCase, string method) => benchmarkCase.Descriptor.WorkloadMethod.Name == method;

static bool Small(BenchmarkCase benchmarkCase) => (bool)benchmarkCase.Parameters["SmallItems"]!;

static string ItemsOf(BenchmarkCase benchmarkCase) => Small(benchmarkCase) ? "small" : "realistic";


static int Order(BenchmarkCase benchmarkCase) => benchmarkCase.Descriptor.Baseline ? 0 : IsParseAndPlan(benchmarkCase) ? 1 : 2;

// The bytes a case reads: the bodies' for SHA-256, the event's for the rest.
int BytesRead(BenchmarkCase benchmarkCase)
{
    var input = ((int)benchmarkCase.Parameters["Records"]!, Small(benchmarkCase));
    return Is(benchmarkCase, nameof(ParsePlanBenchmarks.Sha256)) ? bodyBytes[input] : batches[input].Json.Length;
}

static string Duration(double nanoseconds) => nanoseconds switch
{
    >= 1e9 => (nanoseconds / 1e9).ToString("0.000 's'", CultureInfo.InvariantCulture),
    >= 1e6 => (nanoseconds / 1e6).ToString("0.00 'ms'", CultureInfo.InvariantCulture),
    _ => (nanoseconds / 1e3).ToString("0.0 'µs'", CultureInfo.InvariantCulture),
};

static string Bytes(long bytes) => bytes >= 1 << 20
    ? (bytes / 1024.0 / 1024.0).ToString("0.00 'MiB'", CultureInfo.InvariantCulture)
    : (bytes / 1024.0).ToString("0.0 'KiB'", CultureInfo.InvariantCulture);
