using Replicator.Streams;

namespace Replicator.Cli;

/// <summary>Records applied a second, by shard and by target region.</summary>
internal sealed record Rates(IReadOnlyDictionary<string, double> Shards, IReadOnlyDictionary<string, double> Targets)
{
    public static Rates None { get; } = new(new Dictionary<string, double>(), new Dictionary<string, double>());
}

/// <summary>
/// Throughput "now" from replicate's progress file: the change in records applied between the two
/// latest snapshots it wrote (about a second apart), over the time between them. A count that went
/// down (replicate restarted) gives no rate until the next snapshot.
/// </summary>
internal sealed class Throughput
{
    private ProgressSnapshot? _last;
    private Rates _rates = Rates.None;

    public Rates Update(ProgressSnapshot? snapshot)
    {
        if (snapshot is null)
        {
            _last = null;
            return _rates = Rates.None;
        }

        if (_last is { } last && snapshot.WrittenAt > last.WrittenAt)
        {
            var seconds = (snapshot.WrittenAt - last.WrittenAt).TotalSeconds;
            _rates = new Rates(Between(last.Shards, snapshot.Shards, seconds), Between(last.Targets, snapshot.Targets, seconds));
        }

        _last = snapshot;
        return _rates;
    }

    private static Dictionary<string, double> Between(IReadOnlyDictionary<string, AppliedCount> before, IReadOnlyDictionary<string, AppliedCount> after, double seconds) =>
        after.Where(pair => pair.Value.RecordsApplied >= before.GetValueOrDefault(pair.Key).RecordsApplied)
            .ToDictionary(pair => pair.Key, pair => (pair.Value.RecordsApplied - before.GetValueOrDefault(pair.Key).RecordsApplied) / seconds, StringComparer.Ordinal);
}
