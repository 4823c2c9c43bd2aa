using System.Collections.Concurrent;

namespace Replicator.Streams;

/// <summary>
/// The poller's checkpoints in memory, shared by its readers, and their saves: one at a time, each
/// whole, and each holding only the entries <see cref="CheckpointPruning"/> keeps for the shards
/// last listed, so the cost of the save after every batch is bounded by the live shards.
/// </summary>
internal sealed class CheckpointLedger(ICheckpointStore store, string streamArn)
{
    private readonly ConcurrentDictionary<string, ShardCheckpoint> _entries = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _saving = new(1, 1);
    private StreamDescription? _listed;

    public IReadOnlyDictionary<string, ShardCheckpoint> Snapshot() => new Dictionary<string, ShardCheckpoint>(_entries, StringComparer.Ordinal);

    public ShardCheckpoint? Of(string shardId) => _entries.GetValueOrDefault(shardId);

    public int FinishedCount => _entries.Values.Count(checkpoint => checkpoint.Finished);

    public void Load(StreamCheckpoints saved)
    {
        foreach (var (shard, checkpoint) in saved.Shards)
        {
            _entries[shard] = checkpoint;
        }
    }

    /// <summary>
    /// Gives shards their entries, in one save, when their reading starts (null: from the trim
    /// horizon), so each shard's lineage outlives its parent's entry.
    /// </summary>
    public Task PinAllAsync(IEnumerable<string> shardIds)
    {
        var added = false;
        foreach (var shardId in shardIds)
        {
            added |= _entries.TryAdd(shardId, new ShardCheckpoint(null));
        }

        return added ? SaveAsync() : Task.CompletedTask;
    }

    public async Task UpdateAsync(string shardId, Func<ShardCheckpoint, ShardCheckpoint> change)
    {
        _entries.AddOrUpdate(shardId, _ => change(new ShardCheckpoint(null)), (_, old) => change(old));
        await SaveAsync().ConfigureAwait(false);
    }

    /// <summary>Sets every entry at once (<c>--start-at latest</c> on the first run) and saves.</summary>
    public async Task SetAllAsync(IEnumerable<KeyValuePair<string, ShardCheckpoint>> entries)
    {
        foreach (var (shard, checkpoint) in entries)
        {
            _entries[shard] = checkpoint;
        }

        await SaveAsync().ConfigureAwait(false);
    }

    /// <summary>What DescribeStream last listed, for pruning; saves at once if that makes an entry droppable.</summary>
    public async Task ObserveAsync(StreamDescription description)
    {
        Volatile.Write(ref _listed, description);
        if (CheckpointPruning.Droppable(Snapshot(), description).Count > 0)
        {
            await SaveAsync().ConfigureAwait(false);
        }
    }

    private async Task SaveAsync()
    {
        await _saving.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _listed) is { } listed)
            {
                foreach (var shard in CheckpointPruning.Droppable(Snapshot(), listed))
                {
                    _entries.TryRemove(shard, out _);
                }
            }

            await store.SaveAsync(new StreamCheckpoints(streamArn, Snapshot()), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _saving.Release();
        }
    }
}
