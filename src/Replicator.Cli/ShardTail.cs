using Replicator.Model;
using Replicator.Streams;

namespace Replicator.Cli;

/// <summary>
/// What <c>status --watch</c> knows of one shard past its checkpoint: the records it has read there
/// (sequence number and creation time, in order) and where it reads next. It reads forward from its
/// own position, one page a call, so a refresh costs at most one GetRecords per shard rather than a
/// re-read of everything past the checkpoint; as the checkpoint moves, the records it passed drop out.
/// </summary>
internal sealed class ShardTail(StreamShard shard)
{
    /// <summary>Records held at most (ten full pages): past that the count is a lower bound and reading pauses until the checkpoint moves.</summary>
    private const int MaxPending = 10 * ReplicationOptions.MaxRecordsPerPage;

    private readonly Queue<(SequenceNumber SequenceNumber, DateTimeOffset? CreatedAt)> _pending = new();
    private string? _iterator;
    private SequenceNumber? _position;
    private int _emptyPages;
    private bool _ended;

    public StreamShard Shard => shard;

    public int Behind => _pending.Count;

    /// <summary>More may lie past what was read: the shard's head was not seen (enough empty pages in a row, or a closed shard's end).</summary>
    public bool AtLeast => !_ended && _emptyPages < ReplicationOptions.EmptyPagesToCatchUp;

    public DateTimeOffset? Oldest => _pending.Count > 0 ? _pending.Min(record => record.CreatedAt) : null;

    /// <summary>When this shard was last asked for a page (the watch's per-shard rate limit).</summary>
    public DateTimeOffset LastRead { get; private set; } = DateTimeOffset.MinValue;

    /// <summary>The poller's "data was lost" error: the records past the checkpoint were trimmed before they were replicated.</summary>
    public string? DataLost { get; private set; }

    /// <summary>Why reading failed in a way that stays (the shard is gone, access denied), or null.</summary>
    public string? Error { get; private set; }

    /// <summary>Drops what the checkpoint has passed; returns how many records that was (replicated since the last look).</summary>
    public int Follow(ShardCheckpoint? checkpoint)
    {
        var passed = 0;
        if (checkpoint is { Finished: true })
        {
            passed = _pending.Count;
            _pending.Clear();
            _ended = true;
            return passed;
        }

        if (checkpoint?.SequenceNumber is not { } text || !SequenceNumber.TryParse(text, out var at))
        {
            return 0;
        }

        while (_pending.Count > 0 && _pending.Peek().SequenceNumber <= at)
        {
            _pending.Dequeue();
            passed++;
        }

        if (_position is not { } position || position < at)
        {
            // The checkpoint is past everything read: read on from it, not from behind it. The empty
            // pages seen still count: replicate reading ahead of the watch says nothing of what lies past it.
            _position = at;
            _iterator = null;
        }

        return passed;
    }

    /// <summary>One GetRecords (and a GetShardIterator when it has no iterator), unless the shard is read to its end or enough is held.</summary>
    public async Task ReadAsync(IStreamsApi streams, string streamArn, ShardCheckpoint? checkpoint, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_ended || _pending.Count >= MaxPending || Error is not null || DataLost is not null)
        {
            return;
        }

        LastRead = now;
        try
        {
            _iterator ??= await AcquireAsync(streams, streamArn, checkpoint, cancellationToken).ConfigureAwait(false);
            var page = await streams.GetRecordsAsync(_iterator, cancellationToken).ConfigureAwait(false);
            foreach (var record in page.Batch.Records.Where(record => _position is not { } position || record.SequenceNumber > position))
            {
                _pending.Enqueue((record.SequenceNumber, record.ApproximateCreationTime));
                _position = record.SequenceNumber;
            }

            _emptyPages = page.Batch.Count == 0 ? _emptyPages + 1 : 0;
            _iterator = page.NextShardIterator;
            _ended = page.NextShardIterator is null;
        }
        catch (StreamsException e) when (e.Kind is StreamsErrorKind.ExpiredIterator or StreamsErrorKind.Retryable)
        {
            // Expired: a new iterator next time, from the last record read. Throttled: skip this turn; the watch never retries at once.
            _iterator = null;
        }
        catch (StreamsException e) when (e.Kind == StreamsErrorKind.TrimmedData)
        {
            DataLost = DataLoss.Message($"shard {shard.ShardId} no longer holds the records {DataLoss.Position(checkpoint)}") + $" ({e.Message})";
        }
        catch (StreamsException e)
        {
            Error = $"shard {shard.ShardId}: {e.Message}";
        }
    }

    private async Task<string> AcquireAsync(IStreamsApi streams, string streamArn, ShardCheckpoint? checkpoint, CancellationToken cancellationToken) =>
        _position is { } position
            ? await streams.GetShardIteratorAsync(streamArn, shard.ShardId, ShardIteratorType.AfterSequenceNumber, position.Value, cancellationToken).ConfigureAwait(false)
            : await streams.GetShardIteratorAsync(streamArn, shard.ShardId, checkpoint is { StartAtLatest: true } ? ShardIteratorType.Latest : ShardIteratorType.TrimHorizon, null, cancellationToken).ConfigureAwait(false);
}
