using System.Text.Json;

namespace Replicator.StandIn;

/// <summary>
/// DynamoDB Streams' JSON protocol for the stand-in's one stream. For now: open shards that hold
/// no records (what a backfill's stream position needs): DescribeStream, GetShardIterator and
/// GetRecords answering empty pages with a next iterator.
/// </summary>
internal sealed class Streams(string streamArn, int shards, Stats stats)
{
    public Reply Handle(string operation, ReadOnlyMemory<byte> body)
    {
        _ = stats;
        using var request = JsonDocument.Parse(body);
        var root = request.RootElement;
        return operation switch
        {
            "DescribeStream" => Reply.Json(writer =>
            {
                writer.WriteStartObject();
                writer.WriteStartObject("StreamDescription");
                writer.WriteString("StreamArn", streamArn);
                writer.WriteString("StreamLabel", streamArn[(streamArn.LastIndexOf('/') + 1)..]);
                writer.WriteString("StreamStatus", "ENABLED");
                writer.WriteString("StreamViewType", "NEW_AND_OLD_IMAGES");
                writer.WriteString("TableName", "source");
                writer.WriteStartArray("Shards");
                for (var i = 0; i < shards; i++)
                {
                    writer.WriteStartObject();
                    writer.WriteString("ShardId", $"shardId-{i:D20}");
                    writer.WriteStartObject("SequenceNumberRange");
                    writer.WriteString("StartingSequenceNumber", "100");
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
                writer.WriteEndObject();
            }),
            "GetShardIterator" => Reply.Json(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("ShardIterator", $"{root.GetProperty("ShardId").GetString()}|0");
                writer.WriteEndObject();
            }),
            "GetRecords" => Reply.Json(writer =>
            {
                writer.WriteStartObject();
                writer.WriteStartArray("Records");
                writer.WriteEndArray();
                writer.WriteString("NextShardIterator", root.GetProperty("ShardIterator").GetString());
                writer.WriteEndObject();
            }),
            _ => Reply.Error("UnknownOperationException", $"{operation} is not served by the stand-in"),
        };
    }
}
