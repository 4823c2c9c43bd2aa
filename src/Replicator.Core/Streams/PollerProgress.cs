using System.Collections.Concurrent;
using Replicator.Model;

namespace Replicator.Streams;

/// <summary>Live counters for progress displays; every member is safe to read while the poller runs.</summary>
public sealed class PollerProgress
{
    internal long _recordsIn;
    internal long _recordsApplied;
    internal long _recordsFailed;
    internal long _recordsDeadLettered;
    internal long _recordsSkipped;
    internal long _batches;
    private double _lastLatencyMs = double.NaN;

    public long RecordsIn => Interlocked.Read(ref _recordsIn);

    public long RecordsApplied => Interlocked.Read(ref _recordsApplied);

    public long RecordsFailed => Interlocked.Read(ref _recordsFailed);

    public long RecordsDeadLettered => Interlocked.Read(ref _recordsDeadLettered);

    public long RecordsSkipped => Interlocked.Read(ref _recordsSkipped);

    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Replication latency of the last batch: the largest gap between a change and its write, in milliseconds (NaN before any).</summary>
    public double LastLatencyMs => Volatile.Read(ref _lastLatencyMs);

    public int ActiveShards { get; internal set; }

    /// <summary>Replication latencies seen so far (the first 100,000), in milliseconds: for percentiles at the end of a run.</summary>
    public IReadOnlyList<double> LatencySamples() => [.. _latencies];

    private readonly ConcurrentQueue<double> _latencies = new();

    /// <summary>At most this many latency samples are kept.</summary>
    private const int MaxLatencySamples = 100_000;

    public int FinishedShards { get; internal set; }

    /// <summary>Multi-active mode only: what was versioned, forwarded and skipped so far (null in one-way mode).</summary>
    public MultiActive.MultiActiveCounts? MultiActive
    {
        get
        {
            lock (_latencies)
            {
                return _multiActive;
            }
        }
    }

    private MultiActive.MultiActiveCounts? _multiActive;

    /// <summary>By shard id: records applied and the last batch's lag (for <c>status --watch</c>, through the progress file).</summary>
    public AppliedCounts Shards { get; } = new();

    /// <summary>By target region: writes made (one a key a batch: a latency sample each) and the last batch's lag.</summary>
    public AppliedCounts Targets { get; } = new();

    internal void Add(BatchReport report, string? shardId = null)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _recordsIn, report.RecordsIn);
        Interlocked.Add(ref _recordsApplied, report.RecordsApplied);
        Interlocked.Add(ref _recordsFailed, report.RecordsFailed);
        Interlocked.Add(ref _recordsDeadLettered, report.RecordsDeadLettered);
        Interlocked.Add(ref _recordsSkipped, report.RecordsSkipped);
        if (report.MultiActive is { } counts)
        {
            lock (_latencies)
            {
                _multiActive = (_multiActive ?? Replicator.MultiActive.MultiActiveCounts.None) + counts;
            }
        }

        foreach (var target in report.Latencies.Where(target => target.Milliseconds.Count > 0))
        {
            Targets.Add(target.Region, target.Milliseconds.Count, target.Milliseconds.Max());
        }

        var latencies = report.Latencies.SelectMany(target => target.Milliseconds).ToList();
        if (shardId is not null)
        {
            Shards.Add(shardId, report.RecordsApplied, latencies.Count > 0 ? latencies.Max() : null);
        }

        if (latencies.Count > 0)
        {
            Volatile.Write(ref _lastLatencyMs, latencies.Max());
            foreach (var latency in latencies.Take(Math.Max(0, MaxLatencySamples - _latencies.Count)))
            {
                _latencies.Enqueue(latency);
            }
        }
    }
}
