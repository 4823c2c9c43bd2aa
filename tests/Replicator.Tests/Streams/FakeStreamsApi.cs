using System.Globalization;
using System.Text;
using Replicator.Parsing;
using Replicator.Streams;
using Replicator.Tests.Fixtures;

namespace Replicator.Tests.Streams;

/// <summary>
/// DynamoDB Streams in memory, keeping the contract the poller relies on: shards with parents,
/// sequence numbers that only grow (a child's above its parent's), a closed shard's last page
/// has no next iterator, iterators expire, records past retention are trimmed
/// (TrimmedDataAccessException), and calls can be throttled.
/// </summary>
internal sealed class FakeStreamsApi : IStreamsApi
{
    public const string Arn = "arn:aws:dynamodb:us-east-1:123456789012:table/source/stream/2026-01-01T00:00:00.000";

    private readonly object _gate = new();
    private readonly List<Shard> _shards = [];
    private readonly Dictionary<string, (string ShardId, int Position, int Generation)> _iterators = new(StringComparer.Ordinal);
    private long _nextSequenceNumber = 100_000_000_000_000_000;
    private int _generation;
    private int _iteratorCount;

    /// <summary>At most this many records a GetRecords page (AWS: 1,000).</summary>
    public int PageSize { get; set; } = 10;

    /// <summary>Thrown by the next call (once), as the service would answer it.</summary>
    public StreamsException? FailNext { get; set; }

    /// <summary>Calls to fail with throttling before answering again.</summary>
    public int ThrottleNext { get; set; }

    /// <summary>Every call, in order, e.g. "GetShardIterator shard-1 AfterSequenceNumber 100…", "GetRecords shard-1 → 10".</summary>
    public List<string> Calls { get; } = [];

    /// <summary>When each of <see cref="Calls"/> was made, on <see cref="Time"/>.</summary>
    public List<DateTimeOffset> CallTimes { get; } = [];

    /// <summary>The clock <see cref="CallTimes"/> are read from.</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    private sealed class Shard(string id, string? parent)
    {
        public string Id { get; } = id;

        public string? Parent { get; } = parent;

        public List<(long SequenceNumber, string Json)> Records { get; } = [];

        /// <summary>Records before this position are trimmed.</summary>
        public int TrimmedCount { get; set; }

        public bool Closed { get; set; }

        /// <summary>No longer listed by DescribeStream, nor readable (as DynamoDB drops a shard about 24 hours after it closes).</summary>
        public bool Removed { get; set; }

        /// <summary>GetRecords calls still to answer with an empty page, even where records exist (as DynamoDB may).</summary>
        public int EmptyPages { get; set; }
    }

    /// <summary>Every shard added, in order.</summary>
    public IReadOnlyList<string> ShardIds
    {
        get
        {
            lock (_gate)
            {
                return [.. _shards.Select(shard => shard.Id)];
            }
        }
    }

    /// <summary>The sequence number of a shard's last record, as the poller's checkpoint holds it.</summary>
    public string? LastSequenceNumber(string shardId)
    {
        lock (_gate)
        {
            return Find(shardId).Records is { Count: > 0 } records ? Text(records[^1].SequenceNumber) : null;
        }
    }

    public string AddShard(string? parent = null)
    {
        lock (_gate)
        {
            var id = $"shardId-{_shards.Count:D4}";
            _shards.Add(new Shard(id, parent));
            return id;
        }
    }

    /// <summary>Appends a change on key <c>pk</c> (REMOVE when <paramref name="version"/> is null), made at <paramref name="createdAt"/> (default 2023-11-14T22:13:20Z); returns its sequence number.</summary>
    public long Append(string shardId, string key, int? version, DateTimeOffset? createdAt = null)
    {
        lock (_gate)
        {
            var shard = Find(shardId);
            if (shard.Closed)
            {
                throw new InvalidOperationException($"{shardId} is closed");
            }

            var sequenceNumber = _nextSequenceNumber++;
            shard.Records.Add((sequenceNumber, Events.Record(version is null ? "REMOVE" : "MODIFY", key, sequenceNumber, version, createdAt: createdAt?.ToUnixTimeSeconds() ?? 1700000000)));
            return sequenceNumber;
        }
    }

    /// <summary>
    /// Numbers positions as moto does: a number's position is its distance from the shard's first
    /// number, and a page's next iterator is after the page's highest number. Moto numbers two
    /// records written at once alike (<see cref="AppendNumberedAsLast"/>), so then the iterator
    /// after that number starts at the second of them, on every read.
    /// </summary>
    public bool MotoNumbering { get; set; }

    /// <summary>A change with the same sequence number as the shard's last record (another event id): moto's two writes at once.</summary>
    public void AppendNumberedAsLast(string shardId, string key, int version)
    {
        lock (_gate)
        {
            var shard = Find(shardId);
            var sequenceNumber = shard.Records[^1].SequenceNumber;
            var json = Events.Record("MODIFY", key, sequenceNumber, version, createdAt: 1700000000)
                .Replace($"\"eventID\":\"e{sequenceNumber}\"", $"\"eventID\":\"e{sequenceNumber}-again\"", StringComparison.Ordinal);
            shard.Records.Add((sequenceNumber, json));

            // Moto's next number is the shard's length again, one past the number it gave twice.
            _nextSequenceNumber++;
        }
    }

    public void Close(string shardId)
    {
        lock (_gate)
        {
            Find(shardId).Closed = true;
        }
    }

    /// <summary>The shard leaves the stream: DescribeStream no longer lists it and reading it is ResourceNotFound, as DynamoDB does about 24 hours after a shard closes.</summary>
    public void Remove(string shardId)
    {
        lock (_gate)
        {
            Find(shardId).Removed = true;
        }
    }

    /// <summary>
    /// The shard's next <paramref name="count"/> GetRecords calls return an empty page whose next
    /// iterator stays where it was, records or not: DynamoDB documents that "it might take multiple
    /// calls to get to a portion of the shard that contains stream records".
    /// </summary>
    public void EmptyPagesBefore(string shardId, int count)
    {
        lock (_gate)
        {
            Find(shardId).EmptyPages = count;
        }
    }

    /// <summary>Every iterator handed out so far expires (as after 15 minutes).</summary>
    public void ExpireIterators()
    {
        lock (_gate)
        {
            _generation++;
        }
    }

    /// <summary>Every iterator handed out expires and a change is appended, at one moment: no read can fall between the two.</summary>
    public long ExpireIteratorsAndAppend(string shardId, string key, int? version)
    {
        lock (_gate)
        {
            ExpireIterators();
            return Append(shardId, key, version);
        }
    }

    /// <summary>The shard's first <paramref name="count"/> records pass the retention period.</summary>
    public void Trim(string shardId, int count)
    {
        lock (_gate)
        {
            Find(shardId).TrimmedCount = count;
        }
    }

    public Task<IReadOnlyList<StreamSummary>> ListStreamsAsync(string tableName, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StreamSummary>>([new StreamSummary(Arn, tableName, "2026-01-01T00:00:00.000")]);

    public Task<StreamDescription> DescribeStreamAsync(string streamArn, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Call("DescribeStream");
            var shards = _shards.Where(shard => !shard.Removed).Select(shard => new StreamShard(
                shard.Id,
                shard.Parent,
                shard.Records.Count > 0 ? Text(shard.Records[0].SequenceNumber) : null,
                shard.Closed && shard.Records.Count > 0 ? Text(shard.Records[^1].SequenceNumber) : shard.Closed ? "0" : null)).ToList();
            return Task.FromResult(new StreamDescription(streamArn, "source", "ENABLED", "NEW_AND_OLD_IMAGES", shards));
        }
    }

    public Task<string> GetShardIteratorAsync(string streamArn, string shardId, ShardIteratorType type, string? sequenceNumber, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Call($"GetShardIterator {shardId} {type} {sequenceNumber}");
            var shard = Find(shardId);
            int position;
            if (type is ShardIteratorType.TrimHorizon)
            {
                position = shard.TrimmedCount;
            }
            else if (type is ShardIteratorType.Latest)
            {
                position = shard.Records.Count;
            }
            else
            {
                var wanted = long.Parse(sequenceNumber!, CultureInfo.InvariantCulture);
                var index = MotoNumbering && shard.Records.Count > 0
                    ? (int)(wanted - shard.Records[0].SequenceNumber)
                    : shard.Records.FindIndex(record => record.SequenceNumber == wanted);
                if (index < 0)
                {
                    throw new StreamsException(StreamsErrorKind.Fatal, $"ValidationException: sequence number {sequenceNumber} is not in {shardId}");
                }

                if (index < shard.TrimmedCount)
                {
                    throw new StreamsException(StreamsErrorKind.TrimmedData, $"TrimmedDataAccessException: {sequenceNumber} is beyond the trim horizon of {shardId}");
                }

                position = type == ShardIteratorType.AtSequenceNumber ? index : index + 1;
            }

            return Task.FromResult(Iterator(shardId, position));
        }
    }

    public Task<RecordsPage> GetRecordsAsync(string shardIterator, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_iterators.TryGetValue(shardIterator, out var at))
            {
                throw new StreamsException(StreamsErrorKind.Fatal, $"ValidationException: invalid iterator {shardIterator}");
            }

            var shard = Find(at.ShardId);
            if (at.Generation != _generation)
            {
                Call($"GetRecords {at.ShardId} expired");
                throw new StreamsException(StreamsErrorKind.ExpiredIterator, "ExpiredIteratorException: Iterator expired");
            }

            if (at.Position < shard.TrimmedCount)
            {
                Call($"GetRecords {at.ShardId} trimmed");
                throw new StreamsException(StreamsErrorKind.TrimmedData, "TrimmedDataAccessException: the iterator points at trimmed records");
            }

            if (shard.EmptyPages > 0)
            {
                shard.EmptyPages--;
                Call($"GetRecords {at.ShardId} -> 0 (empty before records)");
                var empty = Encoding.UTF8.GetBytes(Events.Event([]));
                return Task.FromResult(new RecordsPage(StreamEventParser.Parse(empty), Iterator(shard.Id, at.Position)));
            }

            var page = shard.Records.Skip(at.Position).Take(PageSize).ToList();
            var next = MotoNumbering && page.Count > 0 ? (int)(page.Max(record => record.SequenceNumber) - shard.Records[0].SequenceNumber) + 1 : at.Position + page.Count;
            Call($"GetRecords {at.ShardId} -> {page.Count}");
            var json = Encoding.UTF8.GetBytes(Events.Event([.. page.Select(record => record.Json)]));
            var nextIterator = shard.Closed && next >= shard.Records.Count ? null : Iterator(shard.Id, next);
            return Task.FromResult(new RecordsPage(StreamEventParser.Parse(json), nextIterator));
        }
    }

    private void Call(string call)
    {
        Calls.Add(call);
        CallTimes.Add(Time.GetUtcNow());
        if (ThrottleNext > 0)
        {
            ThrottleNext--;
            throw new StreamsException(StreamsErrorKind.Retryable, "LimitExceededException: Rate exceeded for shard");
        }

        if (FailNext is { } failure)
        {
            FailNext = null;
            throw failure;
        }
    }

    private string Iterator(string shardId, int position)
    {
        var iterator = $"iterator-{++_iteratorCount}";
        _iterators[iterator] = (shardId, position, _generation);
        return iterator;
    }

    private Shard Find(string shardId) =>
        _shards.FirstOrDefault(shard => shard.Id == shardId && !shard.Removed) ?? throw new StreamsException(StreamsErrorKind.NotFound, $"ResourceNotFoundException: no shard {shardId}");

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Checkpoints in memory, keeping every save for tests to inspect.</summary>
internal sealed class InMemoryCheckpointStore : ICheckpointStore
{
    private readonly object _gate = new();

    public List<StreamCheckpoints> Saves { get; } = [];

    public StreamCheckpoints? Current { get; private set; }

    /// <summary>Called on every save, before it is kept.</summary>
    public Action<StreamCheckpoints>? OnSave { get; set; }

    public Task<StreamCheckpoints?> LoadAsync(CancellationToken cancellationToken) => Task.FromResult(Current);

    public Task SaveAsync(StreamCheckpoints checkpoints, CancellationToken cancellationToken)
    {
        OnSave?.Invoke(checkpoints);
        lock (_gate)
        {
            Saves.Add(checkpoints);
            Current = checkpoints;
        }

        return Task.CompletedTask;
    }
}
