using System.Text.Json.Serialization;

namespace Replicator.Aws.Streams;

// Wire shapes of the DynamoDB Streams JSON protocol (DynamoDBStreams_20120810), as much as the
// client uses. GetRecords' records are read by the engine's own parser, not by these.

internal sealed class ListStreamsRequest
{
    public string? TableName { get; set; }

    public string? ExclusiveStartStreamArn { get; set; }
}

internal sealed class ListStreamsResponse
{
    public List<StreamEntry>? Streams { get; set; }

    public string? LastEvaluatedStreamArn { get; set; }
}

internal sealed class StreamEntry
{
    public string? StreamArn { get; set; }

    public string? TableName { get; set; }

    public string? StreamLabel { get; set; }
}

internal sealed class DescribeStreamRequest
{
    public string? StreamArn { get; set; }

    public string? ExclusiveStartShardId { get; set; }
}

internal sealed class DescribeStreamResponse
{
    public StreamDescriptionEntry? StreamDescription { get; set; }
}

internal sealed class StreamDescriptionEntry
{
    public string? StreamArn { get; set; }

    public string? TableName { get; set; }

    public string? StreamStatus { get; set; }

    public string? StreamViewType { get; set; }

    public List<ShardEntry>? Shards { get; set; }

    public string? LastEvaluatedShardId { get; set; }
}

internal sealed class ShardEntry
{
    public string? ShardId { get; set; }

    public string? ParentShardId { get; set; }

    public SequenceNumberRangeEntry? SequenceNumberRange { get; set; }
}

internal sealed class SequenceNumberRangeEntry
{
    public string? StartingSequenceNumber { get; set; }

    public string? EndingSequenceNumber { get; set; }
}

internal sealed class GetShardIteratorRequest
{
    public string? StreamArn { get; set; }

    public string? ShardId { get; set; }

    public string? ShardIteratorType { get; set; }

    public string? SequenceNumber { get; set; }
}

internal sealed class GetShardIteratorResponse
{
    public string? ShardIterator { get; set; }
}

internal sealed class GetRecordsRequest
{
    public string? ShardIterator { get; set; }

    public int? Limit { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, MaxDepth = 256)]
[JsonSerializable(typeof(ListStreamsRequest))]
[JsonSerializable(typeof(ListStreamsResponse))]
[JsonSerializable(typeof(DescribeStreamRequest))]
[JsonSerializable(typeof(DescribeStreamResponse))]
[JsonSerializable(typeof(GetShardIteratorRequest))]
[JsonSerializable(typeof(GetShardIteratorResponse))]
[JsonSerializable(typeof(GetRecordsRequest))]
internal sealed partial class StreamsJsonContext : JsonSerializerContext;
