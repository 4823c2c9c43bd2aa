using Replicator.Model;

namespace Replicator.Aws.Http;

/// <summary>
/// The bodies of a Scan and a BatchGetItem as <see cref="Verification.DynamoDbTableReader"/> asks
/// for them through the SDK: strongly consistent, a scan by segment from a start key, and a
/// projection whose names go through placeholders (<c>#k0</c>, <c>#k1</c>…) so reserved words work
/// as attribute names.
/// </summary>
internal static class ScanBodies
{
    /// <summary>A guess at the size of a start key written from its values, for the first buffer (it grows when short).</summary>
    private const int StartKeyBytes = 256;

    /// <summary><c>{"TableName":"t","Segment":0,"TotalSegments":4,"ConsistentRead":true,"ExclusiveStartKey":{…},"ProjectionExpression":"#k0, #k1","ExpressionAttributeNames":{"#k0":"a","#k1":"b"}}</c></summary>
    public static PooledBuffer Scan(string tableName, int segment, int totalSegments, IReadOnlyDictionary<string, DynamoValue>? exclusiveStartKey, IReadOnlyList<string>? projection, bool reportCapacity = false) =>
        WriteBodies.Write(128 + tableName.Length + (exclusiveStartKey is null ? 0 : StartKeyBytes) + (projection?.Sum(name => name.Length + 16) ?? 0), writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("TableName", tableName);
            writer.WriteNumber("Segment", segment);
            writer.WriteNumber("TotalSegments", totalSegments);
            writer.WriteBoolean("ConsistentRead", true);
            if (exclusiveStartKey is not null)
            {
                writer.WritePropertyName("ExclusiveStartKey");
                DynamoJson.WriteItem(writer, exclusiveStartKey);
            }

            Projection(writer, projection);
            ReportCapacity(writer, reportCapacity);
            writer.WriteEndObject();
        });

    /// <summary><c>{"RequestItems":{"t":{"Keys":[…],"ConsistentRead":true,"ProjectionExpression":"#k0","ExpressionAttributeNames":{"#k0":"pk"}}}}</c></summary>
    public static PooledBuffer BatchGetItem(string tableName, IReadOnlyList<ItemKey> keys, IReadOnlyList<string>? projection, bool reportCapacity = false) =>
        WriteBodies.Write(96 + tableName.Length + (keys.Count * 64) + (projection?.Sum(name => name.Length + 16) ?? 0), writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("RequestItems");
            writer.WriteStartObject(tableName);
            writer.WriteStartArray("Keys");
            foreach (var key in keys)
            {
                WriteBodies.Attributes(writer, key.Attributes);
            }

            writer.WriteEndArray();
            writer.WriteBoolean("ConsistentRead", true);
            Projection(writer, projection);
            writer.WriteEndObject();
            writer.WriteEndObject();
            ReportCapacity(writer, reportCapacity);
            writer.WriteEndObject();
        });

    /// <summary><c>"ReturnConsumedCapacity":"TOTAL"</c> when a budget needs the units (left out otherwise, as the SDK leaves it).</summary>
    internal static void ReportCapacity(System.Text.Json.Utf8JsonWriter writer, bool report)
    {
        if (report)
        {
            writer.WriteString(ConsumedCapacity.Request, "TOTAL");
        }
    }

    private static void Projection(System.Text.Json.Utf8JsonWriter writer, IReadOnlyList<string>? projection)
    {
        if (projection is null)
        {
            return;
        }

        writer.WriteString("ProjectionExpression", string.Join(", ", projection.Select((_, i) => $"#k{i}")));
        writer.WriteStartObject("ExpressionAttributeNames");
        for (var i = 0; i < projection.Count; i++)
        {
            writer.WriteString($"#k{i}", projection[i]);
        }

        writer.WriteEndObject();
    }
}
