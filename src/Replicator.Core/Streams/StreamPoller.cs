using System.Collections.Concurrent;
using Replicator.Applying;
using Replicator.Model;
using Replicator.Parsing;
using Replicator.Retrying;

namespace Replicator.Streams;

public enum StartPosition : byte { TrimHorizon, Latest }

/// <summary>How the poller runs. Defaults suit DynamoDB Streams (GetRecords at most about 5 times a second per shard).</summary>
public sealed record PollerSettings
{
    public required string StreamArn { get; init; }

    /// <summary>Where to start shards that have no checkpoint yet, on the first run only.</summary>
    public StartPosition StartAt { get; init; } = StartPosition.TrimHorizon;

    /// <summary>Wait after an empty GetRecords before asking the same shard again.</summary>
    public TimeSpan IdleDelay { get; init; } = ReplicationOptions.DefaultIdleDelay;

    /// <summary>How often to look for new shards (a shard splits about every four hours on AWS).</summary>
    public TimeSpan DiscoveryInterval { get; init; } = ReplicationOptions.DefaultDiscoveryInterval;

    /// <summary>Stop once every shard is caught up and no record arrived for this long; null runs until cancelled.</summary>
    public TimeSpan? StopAfterIdle { get; init; }

    /// <summary>The deadline the engine gets for one batch, retries included.</summary>
    public TimeSpan BatchTimeout { get; init; } = ReplicationOptions.DefaultBatchTimeout;

    public TimeSpan BaseRetryDelay { get; init; } = ReplicationOptions.DefaultPollerBaseRetryDelay;

    public TimeSpan MaxRetryDelay { get; init; } = ReplicationOptions.DefaultPollerMaxRetryDelay;
}

public enum PollerStop : byte
{
    /// <summary>Cancelled (Ctrl-C): the batch in flight finished and its checkpoint was written.</summary>
    Cancelled,

    /// <summary>Every shard caught up and idle for <see cref="PollerSettings.StopAfterIdle"/>.</summary>
    Idle,

    /// <summary>Replication cannot go on (data trimmed from the stream, stream gone, access denied).</summary>
    Failed,
}

public sealed record PollerOutcome(PollerStop Stop, string? Error, bool ShardsFailing);

/// <summary>Live counters for progress displays; every member is safe to read while the poller runs.</summary>
public sealed class PollerProgress
{
    internal long _recordsIn;
    internal long _recordsApplied;
    internal long _recordsFailed;
    internal long _recordsDeadLettered;
    internal long _recordsSkipped;
    internal long _batches;
    private double _lastLatencyMs = double.NaN;

    public long RecordsIn => Interlocked.Read(ref _recordsIn);

    public long RecordsApplied => Interlocked.Read(ref _recordsApplied);

    public long RecordsFailed => Interlocked.Read(ref _recordsFailed);

    public long RecordsDeadLettered => Interlocked.Read(ref _recordsDeadLettered);

    public long RecordsSkipped => Interlocked.Read(ref _recordsSkipped);

    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Replication latency of the last batch: the largest gap between a change and its write, in milliseconds (NaN before any).</summary>
    public double LastLatencyMs => Volatile.Read(ref _lastLatencyMs);

    public int ActiveShards { get; internal set; }

    /// <summary>Replication latencies seen so far (the first 100,000), in milliseconds: for percentiles at the end of a run.</summary>
    public IReadOnlyList<double> LatencySamples() => [.. _latencies];

    private readonly ConcurrentQueue<double> _latencies = new();

    /// <summary>At most this many latency samples are kept.</summary>
    private const int MaxLatencySamples = 100_000;

    public int FinishedShards { get; internal set; }

    internal void Add(BatchReport report)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _recordsIn, report.RecordsIn);
        Interlocked.Add(ref _recordsApplied, report.RecordsApplied);
        Interlocked.Add(ref _recordsFailed, report.RecordsFailed);
        Interlocked.Add(ref _recordsDeadLettered, report.RecordsDeadLettered);
        Interlocked.Add(ref _recordsSkipped, report.RecordsSkipped);
        var latencies = report.Latencies.SelectMany(target => target.Milliseconds).ToList();
        if (latencies.Count > 0)
        {
            Volatile.Write(ref _lastLatencyMs, latencies.Max());
            foreach (var latency in latencies.Take(Math.Max(0, MaxLatencySamples - _latencies.Count)))
            {
                _latencies.Enqueue(latency);
            }
        }
    }
}

/// <summary>
/// Reads a DynamoDB stream itself, as Lambda's event source mapping does for one process: finds the
/// shards and their lineage (a child starts only once its parent is read to its end), reads each
/// shard in order, hands every page to the engine, and checkpoints the last durable sequence number
/// per shard after every batch. A failed batch is retried from its earliest unapplied record. After
/// a crash, a restart resumes from the checkpoints; re-applying a little is harmless.
/// </summary>
public sealed class StreamPoller(
    IStreamsApi api,
    ReplicationEngine engine,
    ICheckpointStore store,
    PollerSettings settings,
    TimeProvider time,
    Random random,
    Action<string>? log = null)
{
    private readonly Backoff _backoff = new(settings.BaseRetryDelay, settings.MaxRetryDelay, random);
    private readonly Action<string> _log = log ?? (_ => { });
    private readonly ConcurrentDictionary<string, ShardCheckpoint> _checkpoints = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ShardState> _states = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _saving = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly TaskCompletionSource<string> _fatal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastActivity;

    public PollerProgress Progress { get; } = new();

    /// <summary>What one shard's reader is doing, for the idle check.</summary>
    private enum ShardState : byte { Reading, CaughtUp, Failing }

    public async Task<PollerOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var saved = await store.LoadAsync(cancellationToken).ConfigureAwait(false);
        if (saved is not null && saved.StreamArn != settings.StreamArn)
        {
            throw new CheckpointException(
                $"The checkpoints are for stream {saved.StreamArn}, but the table's stream is now {settings.StreamArn} (was the stream disabled and enabled again?). Use another --checkpoint file, or delete this one to start the new stream from its trim horizon.");
        }

        foreach (var (shard, checkpoint) in saved?.Shards ?? new Dictionary<string, ShardCheckpoint>())
        {
            _checkpoints[shard] = checkpoint;
        }

        var firstRun = saved is null;
        var readers = new Dictionary<string, Task>(StringComparer.Ordinal);
        using var stopReaders = new CancellationTokenSource();
        Touch();
        PollerOutcome outcome;
        try
        {
            outcome = await SuperviseAsync(firstRun, readers, stopReaders.Token, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Readers finish the batch in flight (the engine is never cancelled mid-batch) and write its checkpoint.
            await stopReaders.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(readers.Values).ConfigureAwait(false);
        }

        return outcome with { ShardsFailing = _states.Values.Any(state => state == ShardState.Failing) };
    }

    private async Task<PollerOutcome> SuperviseAsync(bool firstRun, Dictionary<string, Task> readers, CancellationToken stopReaders, CancellationToken cancellationToken)
    {
        var nextDiscovery = time.GetUtcNow();
        while (true)
        {
            if (time.GetUtcNow() >= nextDiscovery)
            {
                var description = await DescribeAsync(cancellationToken).ConfigureAwait(false);
                if (description is null)
                {
                    return new PollerOutcome(cancellationToken.IsCancellationRequested ? PollerStop.Cancelled : PollerStop.Failed, await ErrorOrNull().ConfigureAwait(false), false);
                }

                if (firstRun)
                {
                    await StartAtLatestIfAskedAsync(description).ConfigureAwait(false);
                    firstRun = false;
                }

                foreach (var shard in description.Shards.Where(shard => !readers.ContainsKey(shard.ShardId) && IsReady(shard, description)))
                {
                    _states[shard.ShardId] = ShardState.Reading;
                    readers[shard.ShardId] = Task.Run(() => ReadShardAsync(shard, stopReaders), CancellationToken.None);
                    _log($"shard {shard.ShardId}: reading{(shard.ParentShardId is null ? "" : $" (parent {shard.ParentShardId} is done)")}");
                }

                Progress.ActiveShards = readers.Count(pair => !pair.Value.IsCompleted);
                Progress.FinishedShards = _checkpoints.Values.Count(checkpoint => checkpoint.Finished);
                nextDiscovery = time.GetUtcNow() + settings.DiscoveryInterval;
            }

            if (_fatal.Task.IsCompleted)
            {
                return new PollerOutcome(PollerStop.Failed, await _fatal.Task.ConfigureAwait(false), false);
            }

            if (IsIdleLongEnough(readers))
            {
                return new PollerOutcome(PollerStop.Idle, null, false);
            }

            // Sleep until the next discovery, a shard finishing (its children may start), or a short tick for the idle check.
            var tick = TimeSpan.FromMilliseconds(Math.Min(250, Math.Max(1, (nextDiscovery - time.GetUtcNow()).TotalMilliseconds)));
            using var timer = new CancellationTokenSource(tick, time);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
            try
            {
                await _wake.WaitAsync(wait.Token).ConfigureAwait(false);
                nextDiscovery = time.GetUtcNow();
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

    private async Task<string?> ErrorOrNull() => _fatal.Task.IsCompleted ? await _fatal.Task.ConfigureAwait(false) : null;

    /// <summary>A shard may start when it has no parent, its parent is gone from the stream (trimmed), or its parent is read to its end.</summary>
    private bool IsReady(StreamShard shard, StreamDescription description) =>
        !(_checkpoints.TryGetValue(shard.ShardId, out var own) && own.Finished)
        && (shard.ParentShardId is not { } parent
            || description.Shards.All(other => other.ShardId != parent)
            || (_checkpoints.TryGetValue(parent, out var checkpoint) && checkpoint.Finished));

    private bool IsIdleLongEnough(Dictionary<string, Task> readers)
    {
        if (settings.StopAfterIdle is not { } idle)
        {
            return false;
        }

        var running = readers.Where(pair => !pair.Value.IsCompleted).Select(pair => pair.Key).ToList();
        return running.All(shard => _states.TryGetValue(shard, out var state) && state == ShardState.CaughtUp)
            && time.GetUtcNow() - new DateTimeOffset(Interlocked.Read(ref _lastActivity), TimeSpan.Zero) >= idle;
    }

    private void Touch() => Interlocked.Exchange(ref _lastActivity, time.GetUtcNow().UtcTicks);

    /// <summary>With <c>--start-at latest</c> and no checkpoints: open shards start at LATEST, closed ones count as read.</summary>
    private async Task StartAtLatestIfAskedAsync(StreamDescription description)
    {
        if (settings.StartAt != StartPosition.Latest)
        {
            return;
        }

        foreach (var shard in description.Shards)
        {
            _checkpoints[shard.ShardId] = shard.IsClosed ? new ShardCheckpoint(null, Finished: true) : new ShardCheckpoint(null, StartAtLatest: true);
        }

        await SaveAsync().ConfigureAwait(false);
    }

    private async Task<StreamDescription?> DescribeAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await api.DescribeStreamAsync(settings.StreamArn, cancellationToken).ConfigureAwait(false);
            }
            catch (StreamsException e) when (e.Kind == StreamsErrorKind.Retryable)
            {
                _log($"DescribeStream: {e.Message}; retrying");
                if (!await DelayAsync(_backoff.Delay(attempt), cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }
            }
            catch (StreamsException e)
            {
                _fatal.TrySetResult($"Cannot read stream {settings.StreamArn}: {e.Message}");
                return null;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }
    }

    private async Task ReadShardAsync(StreamShard shard, CancellationToken stop)
    {
        string? iterator = null;
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                iterator ??= await AcquireAsync(shard, retryAt: null, stop).ConfigureAwait(false);
                var page = await api.GetRecordsAsync(iterator, stop).ConfigureAwait(false);
                failures = 0;
                if (page.Batch.Count > 0)
                {
                    _states[shard.ShardId] = ShardState.Reading;
                    Touch();
                    var (failed, retryAt) = await ApplyAsync(shard, page.Batch).ConfigureAwait(false);
                    if (failed)
                    {
                        _states[shard.ShardId] = ShardState.Failing;
                        await DelayAsync(_backoff.Delay(failures++), stop).ConfigureAwait(false);
                        iterator = stop.IsCancellationRequested ? null : await AcquireAsync(shard, retryAt, stop).ConfigureAwait(false);
                        continue;
                    }
                }

                if (page.NextShardIterator is null)
                {
                    await UpdateAsync(shard.ShardId, checkpoint => checkpoint with { Finished = true, StartAtLatest = false }).ConfigureAwait(false);
                    _log($"shard {shard.ShardId}: read to its end");
                    _wake.Release();
                    return;
                }

                iterator = page.NextShardIterator;
                if (page.Batch.Count == 0)
                {
                    _states[shard.ShardId] = ShardState.CaughtUp;
                    await DelayAsync(settings.IdleDelay, stop).ConfigureAwait(false);
                }
            }
            catch (StreamsException e) when (e.Kind == StreamsErrorKind.ExpiredIterator)
            {
                _log($"shard {shard.ShardId}: the iterator expired; getting a new one from the checkpoint");
                iterator = null;
            }
            catch (StreamsException e) when (e.Kind == StreamsErrorKind.Retryable)
            {
                _log($"shard {shard.ShardId}: {e.Message}; retrying");
                await DelayAsync(_backoff.Delay(failures++), stop).ConfigureAwait(false);
            }
            catch (StreamsException e) when (e.Kind == StreamsErrorKind.TrimmedData)
            {
                var from = _checkpoints.TryGetValue(shard.ShardId, out var checkpoint) && checkpoint.SequenceNumber is { } sequence ? $"after sequence number {sequence}" : "from the shard's start";
                _fatal.TrySetResult(
                    $"Data was lost from the stream: shard {shard.ShardId} no longer holds the records {from}; they passed the stream's 24-hour retention before they were replicated, so the targets are missing those changes. " +
                    "Backfill the targets from the source table (replicator backfill), which also sets the checkpoints to resume from. " +
                    $"({e.Message})");
                return;
            }
            catch (StreamsException e)
            {
                _fatal.TrySetResult($"shard {shard.ShardId}: {e.Message}");
                return;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>A shard iterator: at a failed batch's first unapplied record, after the checkpoint, at LATEST, or at the trim horizon.</summary>
    private Task<string> AcquireAsync(StreamShard shard, SequenceNumber? retryAt, CancellationToken stop)
    {
        var checkpoint = _checkpoints.GetValueOrDefault(shard.ShardId);
        var (type, sequenceNumber) = (retryAt, checkpoint) switch
        {
            ({ } at, _) => (ShardIteratorType.AtSequenceNumber, at.Value),
            (_, { SequenceNumber: { } after }) => (ShardIteratorType.AfterSequenceNumber, after),
            (_, { StartAtLatest: true }) => (ShardIteratorType.Latest, null),
            _ => (ShardIteratorType.TrimHorizon, (string?)null),
        };
        return api.GetShardIteratorAsync(settings.StreamArn, shard.ShardId, type, sequenceNumber, stop);
    }

    /// <summary>
    /// Applies a page and checkpoints what became durable. When part of the batch failed, says where
    /// to retry from: its first unapplied record, or (no position known) the checkpoint. The engine
    /// is not cancelled: a batch in flight runs to its end.
    /// </summary>
    private async Task<(bool Failed, SequenceNumber? RetryAt)> ApplyAsync(StreamShard shard, ParsedBatch batch)
    {
        var report = await engine.ProcessAsync(batch, time.GetUtcNow() + settings.BatchTimeout, CancellationToken.None).ConfigureAwait(false);
        Progress.Add(report);
        var durable = batch.Records.Select(record => (SequenceNumber?)record.SequenceNumber)
            .Concat(batch.Malformed.Select(record => record.SequenceNumber))
            .Where(position => position is not null && (report.FirstFailure is not { } failure || position < failure))
            .Max();
        if (durable is { } last && !report.FailedWithoutPosition)
        {
            await UpdateAsync(shard.ShardId, checkpoint => checkpoint with { SequenceNumber = last.Value, StartAtLatest = false }).ConfigureAwait(false);
        }

        if (report.Succeeded)
        {
            return (false, null);
        }

        _log($"shard {shard.ShardId}: batch not fully replicated, retrying from {report.FirstFailure?.Value ?? "the checkpoint"}: {string.Join("; ", report.Errors.Take(3))}");
        return (true, report.FirstFailure);
    }

    private async Task UpdateAsync(string shardId, Func<ShardCheckpoint, ShardCheckpoint> change)
    {
        _checkpoints.AddOrUpdate(shardId, _ => change(new ShardCheckpoint(null)), (_, old) => change(old));
        await SaveAsync().ConfigureAwait(false);
    }

    /// <summary>Saves a snapshot of every shard's checkpoint; saves are one at a time, each whole.</summary>
    private async Task SaveAsync()
    {
        await _saving.WaitAsync().ConfigureAwait(false);
        try
        {
            var snapshot = new StreamCheckpoints(settings.StreamArn, new Dictionary<string, ShardCheckpoint>(_checkpoints, StringComparer.Ordinal));
            await store.SaveAsync(snapshot, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _saving.Release();
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, time, stop).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
