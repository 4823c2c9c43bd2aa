using System.Collections.Concurrent;

namespace Replicator.Streams;

/// <summary>Records applied so far, and the replication lag of the last batch (NaN before any), of one shard or one target.</summary>
public readonly record struct AppliedCount(long RecordsApplied, double LastLagMs);

/// <summary>Records applied and the last batch's lag, by name (a shard id, a target region); safe to update from every shard's reader.</summary>
public sealed class AppliedCounts
{
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, AppliedCount> Snapshot() =>
        _counters.ToDictionary(pair => pair.Key, pair => pair.Value.Read(), StringComparer.Ordinal);

    internal void Add(string name, long applied, double? lagMs) => _counters.GetOrAdd(name, _ => new Counter()).Add(applied, lagMs);

    private sealed class Counter
    {
        private long _applied;
        private double _lastLagMs = double.NaN;

        public void Add(long applied, double? lagMs)
        {
            Interlocked.Add(ref _applied, applied);
            if (lagMs is { } lag)
            {
                Volatile.Write(ref _lastLagMs, lag);
            }
        }

        public AppliedCount Read() => new(Interlocked.Read(ref _applied), Volatile.Read(ref _lastLagMs));
    }
}
