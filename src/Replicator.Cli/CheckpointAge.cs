using Replicator.Applying;

namespace Replicator.Cli;

/// <summary>
/// Multi-active: a checkpoint older than the tombstone retention must not be resumed from. The
/// tombstones of the deletes made since may be gone, and replaying what the checkpoint has not
/// covered could bring deleted items back.
/// </summary>
internal static class CheckpointAge
{
    /// <summary>How often a running replicator marks its checkpoint as still in use.</summary>
    private static readonly TimeSpan TouchEvery = TimeSpan.FromHours(1);

    public static void Touch(string checkpointPath)
    {
        if (File.Exists(checkpointPath) && DateTime.UtcNow - File.GetLastWriteTimeUtc(checkpointPath) > TouchEvery)
        {
            File.SetLastWriteTimeUtc(checkpointPath, DateTime.UtcNow);
        }
    }

    public static void Refuse(string checkpointPath, TimeSpan retention, TargetTable source)
    {
        if (!File.Exists(checkpointPath))
        {
            return;
        }

        var age = DateTimeOffset.UtcNow - File.GetLastWriteTimeUtc(checkpointPath);
        if (age > retention)
        {
            throw new UsageException(
                $"--checkpoint: {Path.GetFullPath(checkpointPath)} was last written {age.TotalHours:0} hours ago, longer than the tombstone retention ({retention.TotalHours:0} hours): " +
                $"the tombstones of deletes made since may be gone, so resuming could bring deleted items back. Resync {source}: stop its replicator, delete the checkpoint, " +
                "copy the table from a region that kept replicating with replicator backfill --mode multi-active, then start replicate again.");
        }
    }
}
