namespace Replicator.Streams;

/// <summary>
/// The one rule for which shards may be read, and when records were lost, used by the poller and
/// by <c>status</c>. DynamoDB drops a closed shard from DescribeStream about 24 hours after it
/// closes, with whatever was not read of it. So a shard that left the stream is harmless only if
/// its checkpoint says it was read to its end; a child whose parent left the stream may start
/// only if the parent's checkpoint says so too (or on the first run, when nothing was promised).
/// </summary>
public static class ShardLineage
{
    /// <param name="firstRun">No checkpoint file existed: shards whose parent already left start at the trim horizon, as the table's history starts there.</param>
    public static Lineage Check(StreamDescription description, IReadOnlyDictionary<string, ShardCheckpoint> checkpoints, bool firstRun)
    {
        var listed = description.Shards.Select(shard => shard.ShardId).ToHashSet(StringComparer.Ordinal);
        foreach (var (shardId, checkpoint) in checkpoints.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (!checkpoint.Finished && !listed.Contains(shardId))
            {
                return new Lineage.Broken(DataLoss.Message(
                    $"shard {shardId} is no longer in the stream, but its checkpoint says it was read only up to a point (records {DataLoss.Position(checkpoint)} were still to read), so those records are gone"));
            }
        }

        var ready = new List<StreamShard>();
        foreach (var shard in description.Shards)
        {
            var own = checkpoints.GetValueOrDefault(shard.ShardId);
            if (own is { Finished: true })
            {
                continue;
            }

            if (shard.ParentShardId is not { } parent)
            {
                ready.Add(shard);
                continue;
            }

            var parentCheckpoint = checkpoints.GetValueOrDefault(parent);
            if (parentCheckpoint is { Finished: true })
            {
                ready.Add(shard);
            }
            else if (!listed.Contains(parent))
            {
                // The parent left the stream. With an entry of its own the shard was started (pinned) when its parent was done.
                if (own is not null || firstRun)
                {
                    ready.Add(shard);
                }
                else
                {
                    return new Lineage.Broken(DataLoss.Message(
                        $"shard {shard.ShardId}'s parent {parent} is no longer in the stream and its checkpoint {(parentCheckpoint is null ? "has no entry for it" : $"says it was read only {DataLoss.Position(parentCheckpoint)}")}: the parent came and went while it was not being read, so its records are gone"));
                }
            }
        }

        return new Lineage.Intact(ready);
    }
}
