namespace Replicator.Backfill;

/// <summary>Live counters for progress displays.</summary>
public sealed class BackfillCounters
{
    internal long _copied;
    internal int _segmentsDone;

    public long ItemsCopied => Interlocked.Read(ref _copied);

    public int SegmentsDone => Volatile.Read(ref _segmentsDone);

    /// <summary>DynamoDB's item count for the source (updated about every six hours): for an ETA only.</summary>
    public long ApproximateTotal { get; internal set; }
}
