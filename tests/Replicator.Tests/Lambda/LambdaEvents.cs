using System.Text.Json;
using Replicator.Model;

namespace Replicator.Tests.Lambda;

/// <summary>Stream records (of the in-memory regions) as Lambda's event source mapping delivers them: a DynamoDB Streams event.</summary>
internal static class LambdaEvents
{
    public static string Of(IEnumerable<ChangeRecord> records) => JsonText.Render(writer =>
    {
        writer.WriteStartObject();
        writer.WriteStartArray("Records");
        foreach (var record in records)
        {
            Write(writer, record);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    });

    private static void Write(Utf8JsonWriter writer, ChangeRecord record)
    {
        writer.WriteStartObject();
        writer.WriteString("eventID", record.EventId);
        writer.WriteString("eventName", record.Kind switch { ChangeKind.Insert => "INSERT", ChangeKind.Modify => "MODIFY", _ => "REMOVE" });
        writer.WriteString("eventVersion", "1.1");
        writer.WriteString("eventSource", "aws:dynamodb");
        writer.WriteString("awsRegion", record.SourceRegion);
        if (record.EventSourceArn is { } arn)
        {
            writer.WriteString("eventSourceARN", arn);
        }

        if (record.IsTtlDelete)
        {
            writer.WriteStartObject("userIdentity");
            writer.WriteString("type", "Service");
            writer.WriteString("principalId", ReplicationOptions.TtlPrincipal);
            writer.WriteEndObject();
        }

        writer.WriteStartObject("dynamodb");
        writer.WriteNumber("ApproximateCreationDateTime", record.ApproximateCreationTime!.Value.ToUnixTimeSeconds());
        writer.WritePropertyName("Keys");
        DynamoJson.WriteItem(writer, record.Key.Attributes);
        if (record.NewImage is { } newImage)
        {
            writer.WritePropertyName("NewImage");
            DynamoJson.WriteItem(writer, newImage);
        }

        if (record.OldImage is { } oldImage)
        {
            writer.WritePropertyName("OldImage");
            DynamoJson.WriteItem(writer, oldImage);
        }

        writer.WriteString("SequenceNumber", record.SequenceNumber.Value);
        writer.WriteNumber("SizeBytes", 100);
        writer.WriteString("StreamViewType", "NEW_AND_OLD_IMAGES");
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
