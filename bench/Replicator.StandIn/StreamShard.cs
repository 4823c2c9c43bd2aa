namespace Replicator.StandIn;

/// <summary>
/// One shard of the stand-in's stream: its records in order (what each one changed, not its
/// bytes: a record's JSON is made when it is served), open until <see cref="Close"/> gives it an
/// ending sequence number. Appends and reads take the shard's lock; a record never changes.
/// </summary>
internal sealed class StreamShard(int number, string? parentShardId, long startingSequence)
{
    private readonly List<StreamRecord> _records = [];
    private long _endingSequence = -1;
    private long _served;
    private readonly Lock _lock = new();

    public int Number => number;

    public string ShardId { get; } = $"shardId-{number:D20}";

    public string? ParentShardId => parentShardId;

    public long StartingSequence => startingSequence;

    /// <summary>The ending sequence number once closed, else -1.</summary>
    public long EndingSequence
    {
        get
        {
            lock (_lock)
            {
                return _endingSequence;
            }
        }
    }

    public long Served => Interlocked.Read(ref _served);

    public void Append(StreamRecord record)
    {
        lock (_lock)
        {
            if (_endingSequence >= 0)
            {
                throw new InvalidOperationException($"{ShardId} is closed");
            }

            _records.Add(record);
        }
    }

    /// <summary>Closes the shard at its last record (or, empty, at its start), as a shard roll does.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _endingSequence = _records.Count > 0 ? _records[^1].Sequence : startingSequence;
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _records.Count;
            }
        }
    }

    /// <summary>The position of the first record at (or, <paramref name="after"/>, past) <paramref name="sequence"/>.</summary>
    public int PositionOf(long sequence, bool after)
    {
        lock (_lock)
        {
            int low = 0, high = _records.Count;
            while (low < high)
            {
                var middle = (low + high) / 2;
                var at = _records[middle].Sequence;
                if (at < sequence || (after && at == sequence))
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle;
                }
            }

            return low;
        }
    }

    /// <summary>
    /// Up to <paramref name="limit"/> records from <paramref name="position"/>, and whether the shard
    /// is closed and read to its end after them (then the page has no next iterator).
    /// </summary>
    public (List<StreamRecord> Records, bool End) Read(int position, int limit)
    {
        lock (_lock)
        {
            var records = new List<StreamRecord>(Math.Min(limit, Math.Max(0, _records.Count - position)));
            for (var i = position; i < _records.Count && records.Count < limit; i++)
            {
                records.Add(_records[i]);
            }

            Interlocked.Add(ref _served, records.Count);
            return (records, _endingSequence >= 0 && position + records.Count >= _records.Count);
        }
    }
}

/// <summary>
/// One change of a generated item: item <see cref="Item"/> goes to <see cref="Version"/> (from the
/// version before it, or inserted at version 1), generated at <see cref="GeneratedMicros"/> (Unix
/// microseconds), which its new image carries as the attribute <c>gen</c>.
/// </summary>
internal readonly record struct StreamRecord(long Sequence, long Item, long Version, long GeneratedMicros);
