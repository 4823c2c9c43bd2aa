using System.Globalization;
using System.Text;

namespace Replicator.ApplyBench;

/// <summary>The multi-active section of the apply benchmark's results: time per batch, round trips, and the calls per application write.</summary>
internal static class MultiActiveReport
{
    private const int TargetRoundTrips = 4;

    public static string Write(IReadOnlyDictionary<MultiActiveScenario, List<MultiActiveRun>> runs, int size, TimeSpan roundTrip, TimeSpan? oneWay, bool smoke, int maxConcurrentKeys)
    {
        var culture = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine(culture, $"## Multi-active, same run: {size:N0} application writes on distinct keys, three regions");
        text.AppendLine();
        text.AppendLine(culture, $"- Regions: the local one and two peers, each the tests' in-memory DynamoDB (`tests/Replicator.Tests/MultiActive/InMemoryRegion.cs`, held to DynamoDB's conditional-write contract by the contract suite that also runs on moto), behind a wrapper (`DelayedRegion`) that answers every call (write, transaction, read) after {Ms(roundTrip)} and counts it. **This path skips the AWS SDK and HTTP**: no request is serialised, signed or sent, where the one-way rows above go through the SDK to a local HTTP endpoint. What it measures is the engine's round trips and CPU, not the SDK's.");
        text.AppendLine(culture, $"- Replicator: `ReplicationEngine` in multi-active mode (`MultiActiveApplier`, default settings: up to {maxConcurrentKeys:N0} keys at once), `ProcessAsync` on the parsed batch: plan, apply to all three regions, report. Batch: {size:N0} stream records of application writes in the local region, as its stream records them (new and old images, whole-second creation times), one per key. Each round puts {size:N0} new keys (insert), puts them again with other data and no metadata, as an application that knows nothing of replication does (put of an existing item), then deletes them; median of the timed rounds after {(smoke ? "1 round" : "3 rounds")} of warm-up.");
        text.AppendLine("- Echoes (counted, not timed): after each batch every region's replicator reads what its stream then holds, the replicator's own writes (stamps in the local region, forwarded copies in the peers) and applies it, until no stream has records left. These are the calls a write costs after its batch, in later batches.");
        text.AppendLine();
        text.AppendLine("| application writes | time (median) | min – max | round trips (time ÷ RTT) | one-way, same size, distinct keys | calls per application write, in the batch | calls per application write, echoes |");
        text.AppendLine("|---|---:|---:|---:|---:|---|---|");
        foreach (var (scenario, results) in runs)
        {
            var sorted = results.OrderBy(run => run.Time).ToList();
            var typical = sorted[sorted.Count / 2];
            text.AppendLine(culture,
                $"| {size:N0} {Name(scenario)} | **{Ms(typical.Time)}** | {Ms(sorted[0].Time)} – {Ms(sorted[^1].Time)} | {RoundTrips(typical.Time, roundTrip)} | {(oneWay is { } time ? $"{Ms(time)} ({RoundTrips(time, roundTrip)} round trips)" : "-")} | {PerWrite(typical.Calls, size)} | {PerWrite(typical.EchoCalls, size)}{(typical.EchoPasses > 1 ? $" ({typical.EchoPasses} passes)" : "")} |");
        }

        if (!smoke && roundTrip > TimeSpan.Zero && runs.Count > 0)
        {
            var medians = runs.ToDictionary(pair => pair.Key, pair => pair.Value.OrderBy(run => run.Time).ElementAt(pair.Value.Count / 2).Time);
            var worst = medians.MaxBy(pair => pair.Value);
            var limit = roundTrip * TargetRoundTrips;
            text.AppendLine();
            text.AppendLine(culture, $"Target, {size:N0} changes on distinct keys in at most {TargetRoundTrips} round trips ({Ms(limit)}): slowest median {Ms(worst.Value)} ({Name(worst.Key)}, {RoundTrips(worst.Value, roundTrip)} round trips) — {(worst.Value <= limit ? "met" : $"**not met**, by {Ms(worst.Value - limit)}")}.");
        }

        return text.ToString();
    }

    private static string Name(MultiActiveScenario scenario) => scenario switch
    {
        MultiActiveScenario.Insert => "inserts (new keys)",
        MultiActiveScenario.PutExisting => "puts of existing items",
        _ => "deletes",
    };

    /// <summary>Each kind of call divided by the application writes, e.g. "local transaction (put table + put tombstones) 1.00".</summary>
    private static string PerWrite(IReadOnlyDictionary<string, long> calls, int writes) => calls.Count == 0
        ? "none"
        : string.Join("; ", calls.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Key} {((double)pair.Value / writes).ToString("0.##", CultureInfo.InvariantCulture)}"));

    private static string RoundTrips(TimeSpan time, TimeSpan roundTrip) =>
        roundTrip > TimeSpan.Zero ? (time / roundTrip).ToString("N1", CultureInfo.InvariantCulture) : "-";

    private static string Ms(TimeSpan time) => time.TotalMilliseconds.ToString("N1", CultureInfo.InvariantCulture) + " ms";
}
