namespace Replicator.Backfill.Live;

/// <summary>What <see cref="LiveBackfill.PrepareAsync"/> found: ready to replicate and copy (the stream position is in the checkpoint), or refused, saying why.</summary>
public abstract record LivePreparation
{
    private LivePreparation()
    {
    }

    /// <param name="Phase">Where the copy stands: copying, or (resumed after the copy) sweeping, with deletes already plain.</param>
    /// <param name="Resumed">An earlier run's progress file was found.</param>
    public sealed record Ready(LiveCopyPhase Phase, bool Resumed) : LivePreparation;

    /// <summary>Bad input (a missing table, another key, a target that is not empty): nothing was written.</summary>
    public sealed record Refused(string Message) : LivePreparation;
}

/// <summary>A finished live copy: items copied, how many of those landed and how many found replication there first, the markers swept, how long this run took.</summary>
public sealed record LiveBackfillResult(long ItemsCopied, long Written, long Stood, long MarkersSwept, long MarkersReplaced, TimeSpan Elapsed);
