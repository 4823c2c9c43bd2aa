namespace Replicator.Streams;

/// <summary>
/// Keeps the checkpoints bounded by the live shards: a finished shard's entry is dropped once the
/// shard has left the stream and every listed child of it has an entry of its own, because then no
/// rule of <see cref="ShardLineage"/> asks about it again (a child with an entry does not look at
/// its parent once the parent has left).
/// </summary>
internal static class CheckpointPruning
{
    public static IReadOnlyList<string> Droppable(IReadOnlyDictionary<string, ShardCheckpoint> checkpoints, StreamDescription description)
    {
        var listed = description.Shards.Select(shard => shard.ShardId).ToHashSet(StringComparer.Ordinal);
        return checkpoints
            .Where(pair => pair.Value.Finished
                && !listed.Contains(pair.Key)
                && description.Shards.Where(child => child.ParentShardId == pair.Key).All(child => checkpoints.ContainsKey(child.ShardId)))
            .Select(pair => pair.Key)
            .ToList();
    }
}
