namespace Replicator.Backfill;

/// <summary>
/// Warns, once, when the copy at its measured rate would end more than the stream's retention
/// after it began: changes made early in the copy would be trimmed before replicate replays them.
/// </summary>
internal sealed class CopyRateWarning(BackfillCounters counters, DateTimeOffset startedAt, TimeProvider time, Action<string> log)
{
    /// <summary>A rate measured over less than this is too noisy to warn on.</summary>
    private static readonly TimeSpan RateSettlesAfter = TimeSpan.FromSeconds(30);

    private readonly long _started = time.GetTimestamp();
    // Items read, not copied: under a filter most of what the scan reads is not copied, and the
    // table's count (ApproximateTotal) is of everything the scan must read.
    private readonly long _scannedBefore = counters.ItemsScanned;
    private int _warned;

    public void Check()
    {
        var elapsed = time.GetElapsedTime(_started);
        var scanned = counters.ItemsScanned - _scannedBefore;
        if (Volatile.Read(ref _warned) != 0 || elapsed < RateSettlesAfter || scanned == 0 || counters.ApproximateTotal <= counters.ItemsScanned)
        {
            return;
        }

        var rate = scanned / elapsed.TotalSeconds;
        var finish = time.GetUtcNow() + TimeSpan.FromSeconds((counters.ApproximateTotal - counters.ItemsScanned) / rate);
        if (finish - startedAt > ReplicationOptions.StreamRetention && Interlocked.Exchange(ref _warned, 1) == 0)
        {
            log($"WARNING: at {rate:0} items/s the copy of about {counters.ApproximateTotal} items ends around {finish:u}, more than 24 hours after it began ({startedAt:u}). " +
                "The stream keeps changes for 24 hours, so changes made early in the copy would be trimmed before replicate could replay them. " +
                "Stop and restart with more --segments, or give the targets more write capacity; or, if it cannot fit, stop it and run replicator replicate --backfill with the same --source, --target, --checkpoint and --segments: " +
                "it takes this copy over and replicates beside it, so the copy may take as long as it needs (docs/backfill.md, \"Tables too big to copy within the stream's retention\").");
        }
    }
}
