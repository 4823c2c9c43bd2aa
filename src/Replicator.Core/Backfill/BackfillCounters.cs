namespace Replicator.Backfill;

/// <summary>Live counters for progress displays.</summary>
public sealed class BackfillCounters
{
    internal long _copied;
    internal int _segmentsDone;
    internal long _scanned;

    public long ItemsCopied => Interlocked.Read(ref _copied);

    /// <summary>Items the scan read from the source: more than copied under a filter, and what an ETA against <see cref="ApproximateTotal"/> goes by.</summary>
    public long ItemsScanned => Interlocked.Read(ref _scanned);

    public int SegmentsDone => Volatile.Read(ref _segmentsDone);

    /// <summary>DynamoDB's item count for the source (updated about every six hours): for an ETA only.</summary>
    public long ApproximateTotal { get; internal set; }
}
