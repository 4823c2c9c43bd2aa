namespace Replicator.Streams;

/// <summary>
/// The poller's checkpoints in memory, shared by its readers, and their saves: one at a time, each
/// whole, each a consistent snapshot (entries change and are copied under one lock), and each
/// holding only the entries <see cref="CheckpointPruning"/> keeps for the shards last listed.
/// A batch's position, and a shard read to its end (<see cref="Advance"/>), are only noted: the
/// supervisor writes every shard's at once, at most every <see cref="PollerSettings.CheckpointInterval"/>
/// (<see cref="FlushIfDueAsync"/>) and when the poller stops, so the cost is one file write a second,
/// not one per batch per shard (nor 256 at once when every shard rolls). A crash loses only what a
/// restart reads again. Changes a restart could not repair are saved at once: LATEST taken (a restart
/// would take a later LATEST and skip what came between), pins (a child's pin carries its parent's
/// end with it, as both are in the same snapshot) and pruning. An entry only ever holds what is
/// durable on every target, so any snapshot of them is safe to save, however late.
/// </summary>
internal sealed class CheckpointLedger(ICheckpointStore store, string streamArn, TimeSpan interval, TimeProvider time)
{
    private readonly Dictionary<string, ShardCheckpoint> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unsaved = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _saving = new(1, 1);
    private StreamDescription? _listed;
    private DateTimeOffset _lastSave = time.GetUtcNow();
    private long _saves;

    /// <summary>Saves made so far.</summary>
    public long Saves => Interlocked.Read(ref _saves);

    public IReadOnlyDictionary<string, ShardCheckpoint> Snapshot()
    {
        lock (_lock)
        {
            return new Dictionary<string, ShardCheckpoint>(_entries, StringComparer.Ordinal);
        }
    }

    public ShardCheckpoint? Of(string shardId)
    {
        lock (_lock)
        {
            return _entries.GetValueOrDefault(shardId);
        }
    }

    public int FinishedCount
    {
        get
        {
            lock (_lock)
            {
                return _entries.Values.Count(checkpoint => checkpoint.Finished);
            }
        }
    }

    /// <summary>The shards whose changes are not saved yet.</summary>
    public IReadOnlyList<string> Unsaved()
    {
        lock (_lock)
        {
            return [.. _unsaved.Order(StringComparer.Ordinal)];
        }
    }

    public void Load(StreamCheckpoints saved)
    {
        lock (_lock)
        {
            foreach (var (shard, checkpoint) in saved.Shards)
            {
                _entries[shard] = checkpoint;
            }
        }
    }

    /// <summary>
    /// Gives shards their entries, in one save, when their reading starts (null: from the trim
    /// horizon), so each shard's lineage outlives its parent's entry.
    /// </summary>
    public Task PinAllAsync(IEnumerable<string> shardIds)
    {
        var added = false;
        lock (_lock)
        {
            foreach (var shardId in shardIds)
            {
                if (_entries.TryAdd(shardId, new ShardCheckpoint(null)))
                {
                    _unsaved.Add(shardId);
                    added = true;
                }
            }
        }

        return added ? SaveAsync() : Task.CompletedTask;
    }

    /// <summary>A batch's position, saved with the next write (at once when the interval is zero).</summary>
    public Task Advance(string shardId, Func<ShardCheckpoint, ShardCheckpoint> change)
    {
        Change(shardId, change);
        return interval <= TimeSpan.Zero ? SaveAsync() : Task.CompletedTask;
    }

    /// <summary>A change saved at once.</summary>
    public async Task UpdateAsync(string shardId, Func<ShardCheckpoint, ShardCheckpoint> change)
    {
        Change(shardId, change);
        await SaveAsync().ConfigureAwait(false);
    }

    /// <summary>Sets every entry at once (<c>--start-at latest</c> on the first run) and saves.</summary>
    public async Task SetAllAsync(IEnumerable<KeyValuePair<string, ShardCheckpoint>> entries)
    {
        lock (_lock)
        {
            foreach (var (shard, checkpoint) in entries)
            {
                _entries[shard] = checkpoint;
                _unsaved.Add(shard);
            }
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

    /// <summary>Saves if something changed and the last save is at least the interval old.</summary>
    public Task FlushIfDueAsync()
    {
        lock (_lock)
        {
            if (_unsaved.Count == 0 || time.GetUtcNow() - _lastSave < interval)
            {
                return Task.CompletedTask;
            }
        }

        return SaveAsync();
    }

    /// <summary>Saves if anything changed since the last save (the poller stopping).</summary>
    public Task FlushAsync()
    {
        lock (_lock)
        {
            if (_unsaved.Count == 0)
            {
                return Task.CompletedTask;
            }
        }

        return SaveAsync();
    }

    private void Change(string shardId, Func<ShardCheckpoint, ShardCheckpoint> change)
    {
        lock (_lock)
        {
            _entries[shardId] = change(_entries.GetValueOrDefault(shardId) ?? new ShardCheckpoint(null));
            _unsaved.Add(shardId);
        }
    }

    private async Task SaveAsync()
    {
        await _saving.WaitAsync().ConfigureAwait(false);
        try
        {
            StreamCheckpoints snapshot;
            string[] saving;
            lock (_lock)
            {
                if (Volatile.Read(ref _listed) is { } listed)
                {
                    foreach (var shard in CheckpointPruning.Droppable(_entries, listed))
                    {
                        _entries.Remove(shard);
                    }
                }

                snapshot = new StreamCheckpoints(streamArn, new Dictionary<string, ShardCheckpoint>(_entries, StringComparer.Ordinal));
                saving = [.. _unsaved];
                _unsaved.Clear();
            }

            try
            {
                await store.SaveAsync(snapshot, CancellationToken.None).ConfigureAwait(false);
            }
            catch
            {
                lock (_lock)
                {
                    _unsaved.UnionWith(saving);
                }

                throw;
            }

            lock (_lock)
            {
                _lastSave = time.GetUtcNow();
            }

            Interlocked.Increment(ref _saves);
        }
        finally
        {
            _saving.Release();
        }
    }
}
