namespace Replicator.Streams;

/// <summary>
/// Reads a DynamoDB stream itself, as Lambda's event source mapping does for one process. This is
/// the supervisor: it lists the shards, applies <see cref="ShardLineage"/> (a child starts only once
/// its parent is read to its end; a shard that left the stream unread stops replication), runs a
/// <see cref="ShardReader"/> per ready shard, and stops when asked, when idle, or when a reader
/// fails. After a crash, a restart resumes from the checkpoints; re-applying a little is harmless.
/// </summary>
public sealed class StreamPoller
{
    private readonly PollerParts _parts;
    private readonly ICheckpointStore _store;
    private readonly PollerSettings _settings;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _wake = new(0);

    public StreamPoller(IStreamsApi api, ReplicationEngine engine, ICheckpointStore store, PollerSettings settings, TimeProvider time, Random random, Action<string>? log = null)
    {
        _store = store;
        _settings = settings;
        _time = time;
        _parts = new PollerParts(api, engine, new CheckpointLedger(store, settings.StreamArn, settings.CheckpointInterval, time), settings, time, random, log ?? (_ => { }));
    }

    public PollerProgress Progress => _parts.Progress;

    private sealed record Running(ShardReader Reader, Task<ShardEnd> Task);

    public async Task<PollerOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var saved = await _store.LoadAsync(cancellationToken).ConfigureAwait(false);
        if (saved is not null && saved.StreamArn != _settings.StreamArn)
        {
            throw new CheckpointException(
                $"The checkpoints are for stream {saved.StreamArn}, but the table's stream is now {_settings.StreamArn} (was the stream disabled and enabled again?). Use another --checkpoint file, or delete this one to start the new stream from its trim horizon.");
        }

        if (saved is not null)
        {
            _parts.Checkpoints.Load(saved);
        }

        var readers = new Dictionary<string, Running>(StringComparer.Ordinal);
        using var stopReaders = new CancellationTokenSource();
        _parts.Touch();
        PollerOutcome outcome;
        try
        {
            outcome = await SuperviseAsync(firstRun: saved is null, readers, stopReaders.Token, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Readers finish the batch in flight (the engine is never cancelled mid-batch) and write its checkpoint.
            await stopReaders.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(readers.Values.Select(running => running.Task)).ConfigureAwait(false);
        }

        // Whatever became durable since the last write, however the run ended.
        if (await SaveFailureAsync(_parts.Checkpoints.FlushAsync).ConfigureAwait(false) is { } failed && outcome.Stop != PollerStop.Failed)
        {
            outcome = failed;
        }

        _parts.Log($"checkpoint: {_parts.Checkpoints.Saves} writes");
        return outcome with { ShardsFailing = readers.Values.Any(running => running.Reader.Failing) };
    }

    private async Task<PollerOutcome> SuperviseAsync(bool firstRun, Dictionary<string, Running> readers, CancellationToken stopReaders, CancellationToken cancellationToken)
    {
        var nextDiscovery = _time.GetUtcNow();
        var lastDiscovery = DateTimeOffset.MinValue;
        var discoveryGap = TimeSpan.Zero;
        while (true)
        {
            if (_time.GetUtcNow() >= nextDiscovery)
            {
                lastDiscovery = _time.GetUtcNow();
                var description = await Discovery.DescribeAsync(_parts, cancellationToken).ConfigureAwait(false);
                if (description is Discovery.Stopped stop)
                {
                    return stop.Outcome;
                }

                var listed = ((Discovery.Listed)description).Description;
                discoveryGap = _settings.DescribeStreamPageInterval * Math.Max(1, Math.Ceiling(listed.Shards.Count / (double)ReplicationOptions.DescribeStreamPageShards));
                if (firstRun && _settings.StartAt == StartPosition.Latest)
                {
                    // Open shards start at LATEST, closed ones count as read.
                    await _parts.Checkpoints.SetAllAsync(listed.Shards.Select(shard => KeyValuePair.Create(
                        shard.ShardId, shard.IsClosed ? new ShardCheckpoint(null, Finished: true) : new ShardCheckpoint(null, StartAtLatest: true)))).ConfigureAwait(false);
                }

                var lineage = ShardLineage.Check(listed, _parts.Checkpoints.Snapshot(), firstRun);
                firstRun = false;
                if (lineage is Lineage.Broken broken)
                {
                    return new PollerOutcome(PollerStop.Failed, broken.Error, false);
                }

                // Pinned together, in one save, before any of them is read: a run killed between two
                // pins would leave the next run a shard without an entry whose parent has gone.
                var starting = ((Lineage.Intact)lineage).Ready.Where(shard => !readers.ContainsKey(shard.ShardId)).ToList();
                await _parts.Checkpoints.PinAllAsync(starting.Select(shard => shard.ShardId)).ConfigureAwait(false);
                foreach (var shard in starting)
                {
                    readers[shard.ShardId] = Start(shard, stopReaders);
                }

                await _parts.Checkpoints.ObserveAsync(listed).ConfigureAwait(false);
                Progress.ActiveShards = readers.Values.Count(running => !running.Task.IsCompleted);
                Progress.FinishedShards = _parts.Checkpoints.FinishedCount;
                nextDiscovery = _time.GetUtcNow() + _settings.DiscoveryInterval;
            }

            if (readers.Values.Select(running => running.Task).FirstOrDefault(task => task.IsCompletedSuccessfully && task.Result is ShardEnd.Failed) is { } failedTask)
            {
                return new PollerOutcome(PollerStop.Failed, ((ShardEnd.Failed)await failedTask.ConfigureAwait(false)).Error, false);
            }

            if (await SaveFailureAsync(_parts.Checkpoints.FlushIfDueAsync).ConfigureAwait(false) is { } unsaved)
            {
                return unsaved;
            }

            if (IsIdleLongEnough(readers))
            {
                return new PollerOutcome(PollerStop.Idle, null, false);
            }

            // Sleep until the next discovery, a reader ending (its children may start, or it failed), or a short tick for the idle check.
            var tick = TimeSpan.FromMilliseconds(Math.Min(250, Math.Max(1, (nextDiscovery - _time.GetUtcNow()).TotalMilliseconds)));
            using var timer = new CancellationTokenSource(tick, _time);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
            try
            {
                await _wake.WaitAsync(wait.Token).ConfigureAwait(false);

                // Soon, but not once per reader: when every shard rolls at once, hundreds end together,
                // and DynamoDB answers DescribeStream (each of its pages) at most 10 times a second.
                var soonest = lastDiscovery + discoveryGap;
                nextDiscovery = soonest > _time.GetUtcNow() ? soonest : _time.GetUtcNow();
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The tick passed with nothing to wake for.
            }
            catch (OperationCanceledException)
            {
                return new PollerOutcome(PollerStop.Cancelled, null, false);
            }
        }
    }

    private Running Start(StreamShard shard, CancellationToken stopReaders)
    {
        var reader = new ShardReader(shard, _parts);
        var task = Task.Run(
            async () =>
            {
                try
                {
                    return await reader.RunAsync(stopReaders).ConfigureAwait(false);
                }
                finally
                {
                    _wake.Release();
                }
            },
            CancellationToken.None);
        _parts.Log($"shard {shard.ShardId}: reading{(shard.ParentShardId is null ? "" : $" (parent {shard.ParentShardId} is done)")}");
        return new Running(reader, task);
    }

    /// <summary>
    /// A write of the checkpoints, or the poller's failure naming the shards whose progress it could
    /// not save: running on without saving would replay ever more after a crash.
    /// </summary>
    private async Task<PollerOutcome?> SaveFailureAsync(Func<Task> save)
    {
        var unsaved = _parts.Checkpoints.Unsaved();
        try
        {
            await save().ConfigureAwait(false);
            return null;
        }
#pragma warning disable CA1031 // Any failure to save (disk full, permissions) stops the poller with its reason.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return new PollerOutcome(
                PollerStop.Failed,
                $"the checkpoint of shard{(unsaved.Count == 1 ? "" : "s")} {string.Join(", ", unsaved.Take(5))}{(unsaved.Count > 5 ? $" and {unsaved.Count - 5} more" : "")} could not be saved ({e.GetType().Name}: {e.Message}); the next run replays from the last saved checkpoint",
                false);
        }
    }

    /// <summary>Every running reader has seen enough empty pages in a row, and no record arrived for the idle window.</summary>
    private bool IsIdleLongEnough(Dictionary<string, Running> readers) =>
        _settings.StopAfterIdle is { } idle
        && readers.Values.Where(running => !running.Task.IsCompleted).All(running => running.Reader.CaughtUp)
        && _time.GetUtcNow() - _parts.LastActivity >= idle;
}
