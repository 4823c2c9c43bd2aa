using Replicator.Model;
using Replicator.Retrying;

namespace Replicator.Streams;

/// <summary>
/// Reads one shard in order and hands each page to the engine, checkpointing what became durable.
/// Each step (read a page, apply it) runs under <see cref="Retry"/> without a budget: throttling, a
/// 5xx and a batch that failed in part are tried again with backoff that doubles up to the cap, and
/// starts over only when the checkpoint moves forward (a successful GetRecords alone is no progress).
/// Anything else ends the reader with <see cref="ShardEnd.Failed"/>, so the poller never runs on
/// with a shard unread.
/// </summary>
internal sealed class ShardReader(StreamShard shard, PollerParts parts)
{
    private string? _iterator;
    private SequenceNumber? _retryAt;
    private int _emptyPages;
    private int _failing;
    private DateTimeOffset? _lastRead;
    private readonly ReplayedRecords _replayed = new();

    public StreamShard Shard => shard;

    /// <summary>Enough empty pages in a row (<see cref="ReplicationOptions.EmptyPagesToCatchUp"/>): DynamoDB may answer empty before records that exist.</summary>
    public bool CaughtUp => Volatile.Read(ref _emptyPages) >= ReplicationOptions.EmptyPagesToCatchUp;

    /// <summary>The last batch failed in part and is being retried.</summary>
    public bool Failing => Volatile.Read(ref _failing) != 0;

    private enum Step : byte { Applied, Empty, End }

    public async Task<ShardEnd> RunAsync(CancellationToken stop)
    {
        try
        {
            while (true)
            {
                // Reads and applies that finish without waiting (in memory) would otherwise never see the stop.
                stop.ThrowIfCancellationRequested();
                var step = await parts.Retry.RunAsync(ReadPageAsync, RetryBudget.Unbounded, Transient, stop).ConfigureAwait(false);
                switch (step)
                {
                    case Retried<Step>.Succeeded { Value: Step.End }:
                        // Noted, and written with the next write: the children's pins, saved at once, carry it with them.
                        await parts.Checkpoints.Advance(shard.ShardId, checkpoint => checkpoint with { Finished = true, StartAtLatest = false }).ConfigureAwait(false);
                        parts.Log($"shard {shard.ShardId}: read to its end");
                        return ShardEnd.ReadToEnd;
                    case Retried<Step>.Succeeded { Value: Step.Empty }:
                        Interlocked.Increment(ref _emptyPages);
                        await Task.Delay(parts.Settings.IdleDelay, parts.Time, stop).ConfigureAwait(false);
                        break;
                    case Retried<Step>.Succeeded:
                        break;
                    case Retried<Step>.GaveUp:
                        // The budget is unbounded, so only cancellation ends the retries.
                        return ShardEnd.Stopped;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return ShardEnd.Stopped;
        }
        catch (StreamsException e) when (e.Kind == StreamsErrorKind.TrimmedData)
        {
            return new ShardEnd.Failed(DataLoss.Message(
                $"shard {shard.ShardId} no longer holds the records {DataLoss.Position(parts.Checkpoints.Of(shard.ShardId))}") + $" ({e.Message})");
        }
        catch (StreamsException e)
        {
            return new ShardEnd.Failed($"shard {shard.ShardId}: {e.Message}");
        }
#pragma warning disable CA1031 // Any other failure must stop the poller with its reason, not fault a task nobody watches.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return new ShardEnd.Failed($"shard {shard.ShardId} stopped being read ({DataLoss.Position(parts.Checkpoints.Of(shard.ShardId))} is unreplicated) on an unexpected error: {e.GetType().Name}: {e.Message}");
        }
    }

    private string? Transient(Exception e)
    {
        if (e is StreamsException { Kind: StreamsErrorKind.Retryable } retryable)
        {
            parts.Log($"shard {shard.ShardId}: {retryable.Message}; retrying");
            return retryable.Message;
        }

        return null;
    }

    private async Task<Attempt<Step>> ReadPageAsync(CancellationToken stop)
    {
        RecordsPage page;
        try
        {
            _iterator ??= await AcquireAsync(stop).ConfigureAwait(false);
            await PaceAsync(stop).ConfigureAwait(false);
            await parts.Reads.WaitAsync(stop).ConfigureAwait(false);
            try
            {
                _lastRead = parts.Time.GetUtcNow();
                page = await parts.Api.GetRecordsAsync(_iterator, stop).ConfigureAwait(false);
            }
            finally
            {
                parts.Reads.Release();
            }
        }
        catch (StreamsException e) when (e.Kind == StreamsErrorKind.ExpiredIterator)
        {
            parts.Log($"shard {shard.ShardId}: the iterator expired; getting a new one from the checkpoint");
            _iterator = null;
            return Attempt<Step>.Again(e.Message);
        }

        var read = page.Batch;
        page = page with { Batch = _replayed.Without(read) };

        // A page starts at the shard's first unreplicated record, so its oldest record is the shard's
        // oldest unreplicated change. Only a caught-up shard has none: one empty page is not the head.
        var caughtUp = page.Batch.Count == 0 && Volatile.Read(ref _emptyPages) + 1 >= ReplicationOptions.EmptyPagesToCatchUp;
        if ((page.Batch.Records.Count > 0 || caughtUp)
            && parts.Retention.Observe(shard.ShardId, page.Batch.Records.Min(record => record.ApproximateCreationTime), parts.Time.GetUtcNow()) is { } warning)
        {
            parts.Log(warning);
        }

        if (page.Batch.Count > 0)
        {
            // Records: not caught up, whether or not this batch applies.
            Volatile.Write(ref _emptyPages, 0);
            parts.Touch();
            if (await PageApplier.ApplyAsync(parts, shard.ShardId, page.Batch, stop).ConfigureAwait(false) is Applied.Partly partly)
            {
                Volatile.Write(ref _failing, 1);
                _retryAt = partly.RetryAt;
                _iterator = null;
                return Attempt<Step>.Again($"batch not fully replicated, retrying from {partly.RetryAt?.Value ?? "the checkpoint"}", progressed: partly.CheckpointMoved);
            }

            Volatile.Write(ref _failing, 0);
            _retryAt = null;
        }

        _replayed.Applied(read);

        if (page.NextShardIterator is null)
        {
            return Attempt<Step>.Done(Step.End);
        }

        _iterator = page.NextShardIterator;
        return Attempt<Step>.Done(page.Batch.Count == 0 ? Step.Empty : Step.Applied);
    }

    /// <summary>
    /// Waits until <see cref="PollerSettings.MinShardReadInterval"/> has passed since this shard's last
    /// GetRecords: DynamoDB answers at most 5 a second per shard, and a page of records is followed at
    /// once by the next call, which would otherwise be throttled (and back off) at any rate of writes.
    /// </summary>
    private async Task PaceAsync(CancellationToken stop)
    {
        var now = parts.Time.GetUtcNow();

        // Again if the timer fired a little early by the clock (it can, by a millisecond or so).
        while (_lastRead is { } last && last + parts.Settings.MinShardReadInterval - now is { } wait && wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, parts.Time, stop).ConfigureAwait(false);
            now = parts.Time.GetUtcNow();
        }
    }

    /// <summary>
    /// A shard iterator: at a failed batch's first unapplied record, after the checkpoint, at
    /// LATEST, or at the trim horizon. LATEST is taken once: the stream gives no position for
    /// "now" to keep, so once it is taken the entry says "from the trim horizon", and an iterator
    /// that expires, or a restart, before the first record replays the shard rather than skip
    /// what was written meanwhile.
    /// </summary>
    private async Task<string> AcquireAsync(CancellationToken stop)
    {
        var (type, sequenceNumber) = (_retryAt, parts.Checkpoints.Of(shard.ShardId)) switch
        {
            ({ } at, _) => (ShardIteratorType.AtSequenceNumber, at.Value),
            (_, { SequenceNumber: { } after }) => (ShardIteratorType.AfterSequenceNumber, after),
            (_, { StartAtLatest: true }) => (ShardIteratorType.Latest, null),
            _ => (ShardIteratorType.TrimHorizon, (string?)null),
        };
        string iterator;
        await parts.Reads.WaitAsync(stop).ConfigureAwait(false);
        try
        {
            iterator = await parts.Api.GetShardIteratorAsync(parts.Settings.StreamArn, shard.ShardId, type, sequenceNumber, stop).ConfigureAwait(false);
        }
        finally
        {
            parts.Reads.Release();
        }

        if (type == ShardIteratorType.Latest)
        {
            await parts.Checkpoints.UpdateAsync(shard.ShardId, checkpoint => checkpoint.SequenceNumber is null ? checkpoint with { StartAtLatest = false } : checkpoint).ConfigureAwait(false);
        }

        return iterator;
    }
}
