using Replicator.Parsing;

namespace Replicator.Streams;

/// <summary>A shard of a DynamoDB stream. A closed shard has an ending sequence number; a child names its parent.</summary>
public sealed record StreamShard(string ShardId, string? ParentShardId, string? StartingSequenceNumber, string? EndingSequenceNumber)
{
    public bool IsClosed => EndingSequenceNumber is not null;
}

/// <summary>A stream and all of its shards (every page of DescribeStream).</summary>
public sealed record StreamDescription(string StreamArn, string TableName, string StreamStatus, string? StreamViewType, IReadOnlyList<StreamShard> Shards);

/// <summary>A stream of a table, as ListStreams names it.</summary>
public sealed record StreamSummary(string StreamArn, string TableName, string StreamLabel);

public enum ShardIteratorType : byte { TrimHorizon, Latest, AtSequenceNumber, AfterSequenceNumber }

/// <summary>One GetRecords page: the records, and the iterator for the next page (null once a closed shard is read to its end).</summary>
public sealed record RecordsPage(ParsedBatch Batch, string? NextShardIterator);

/// <summary>
/// The DynamoDB Streams API, as much as the poller uses. The AWS edge implements it over HTTP
/// with SigV4; tests implement it in memory, honouring the same contract (lineage, closed shards,
/// iterator expiry, trimming, throttling).
/// </summary>
public interface IStreamsApi
{
    Task<IReadOnlyList<StreamSummary>> ListStreamsAsync(string tableName, CancellationToken cancellationToken);

    Task<StreamDescription> DescribeStreamAsync(string streamArn, CancellationToken cancellationToken);

    /// <summary><paramref name="sequenceNumber"/> is required for the AT_ and AFTER_SEQUENCE_NUMBER types.</summary>
    Task<string> GetShardIteratorAsync(string streamArn, string shardId, ShardIteratorType type, string? sequenceNumber, CancellationToken cancellationToken);

    Task<RecordsPage> GetRecordsAsync(string shardIterator, CancellationToken cancellationToken);
}

public enum StreamsErrorKind : byte
{
    /// <summary>Throttling, 5xx, a dropped connection: try again after a wait.</summary>
    Retryable,

    /// <summary>The iterator is older than 15 minutes: get a new one from the checkpoint.</summary>
    ExpiredIterator,

    /// <summary>The records asked for are past the stream's 24-hour retention: they are gone.</summary>
    TrimmedData,

    /// <summary>No such stream or shard (the stream was disabled or the table deleted).</summary>
    NotFound,

    /// <summary>Anything else (access denied, a malformed request): retrying will not help.</summary>
    Fatal,
}

/// <summary>An error from the Streams API, classified for the poller.</summary>
public sealed class StreamsException(StreamsErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public StreamsErrorKind Kind { get; } = kind;
}
