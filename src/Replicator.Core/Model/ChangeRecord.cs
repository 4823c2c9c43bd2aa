namespace Replicator.Model;

public enum ChangeKind : byte { Insert, Modify, Remove }

/// <summary>What a stream record carries: keys only, or new and/or old images too.</summary>
public enum StreamViewType : byte { Unknown, KeysOnly, NewImage, OldImage, NewAndOldImages }

/// <summary>
/// One change from a DynamoDB stream, as the Lambda event and GetRecords both describe it.
/// <see cref="Raw"/> is the record's original JSON, kept so that a poison record can be
/// dead-lettered whole. <see cref="OldImage"/> is read from that JSON on first use (the engine
/// never writes it); reading a malformed one throws then.
/// </summary>
public sealed record ChangeRecord(
    string EventId,
    ChangeKind Kind,
    SequenceNumber SequenceNumber,
    ItemKey Key,
    IReadOnlyDictionary<string, DynamoValue>? NewImage,
    IReadOnlyDictionary<string, DynamoValue>? OldImage,
    DateTimeOffset? ApproximateCreationTime,
    string? SourceRegion,
    string? EventSourceArn,
    StreamViewType ViewType,
    long SizeBytes,
    bool IsTtlDelete,
    ReadOnlyMemory<byte> Raw);
