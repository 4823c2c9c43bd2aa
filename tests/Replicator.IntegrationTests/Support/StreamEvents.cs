using System.Text;
using System.Text.Json;
using Replicator.Model;

namespace Replicator.IntegrationTests.Support;

/// <summary>One change as a test describes it; <see cref="NewImage"/> is null for a REMOVE.</summary>
public sealed record Change(string EventName, long SequenceNumber, Dictionary<string, DynamoValue> Keys, Dictionary<string, DynamoValue>? NewImage);

/// <summary>Builds DynamoDB Streams events of the documented Lambda shape.</summary>
public static class StreamEvents
{
    public static byte[] Event(IEnumerable<Change> changes) => Encoding.UTF8.GetBytes(JsonText.Render(writer =>
    {
        writer.WriteStartObject();
        writer.WriteStartArray("Records");
        foreach (var change in changes)
        {
            WriteRecord(writer, change);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }));

    private static void WriteRecord(Utf8JsonWriter writer, Change change)
    {
        writer.WriteStartObject();
        writer.WriteString("eventID", $"event-{change.SequenceNumber}");
        writer.WriteString("eventName", change.EventName);
        writer.WriteString("eventVersion", "1.1");
        writer.WriteString("eventSource", "aws:dynamodb");
        writer.WriteString("awsRegion", "us-east-1");
        writer.WriteStartObject("dynamodb");
        writer.WriteNumber("ApproximateCreationDateTime", DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        writer.WritePropertyName("Keys");
        DynamoJson.WriteItem(writer, change.Keys);
        if (change.NewImage is not null)
        {
            writer.WritePropertyName("NewImage");
            DynamoJson.WriteItem(writer, change.NewImage);
        }

        writer.WriteString("SequenceNumber", change.SequenceNumber.ToString(System.Globalization.CultureInfo.InvariantCulture));
        writer.WriteNumber("SizeBytes", 100);
        writer.WriteString("StreamViewType", "NEW_AND_OLD_IMAGES");
        writer.WriteEndObject();
        writer.WriteString("eventSourceARN", "arn:aws:dynamodb:us-east-1:123456789012:table/source/stream/2026-01-01T00:00:00.000");
        writer.WriteEndObject();
    }

    public static Dictionary<string, DynamoValue> Key(string pk) => new() { ["pk"] = DynamoValue.String(pk) };

    public static Dictionary<string, DynamoValue> Item(string pk, int version) => new()
    {
        ["pk"] = DynamoValue.String(pk),
        ["version"] = DynamoValue.Number(version.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ["note"] = DynamoValue.String($"{pk} at version {version}"),
    };

    public static Change Put(long sequenceNumber, string pk, int version) => new("MODIFY", sequenceNumber, Key(pk), Item(pk, version));

    public static Change Remove(long sequenceNumber, string pk) => new("REMOVE", sequenceNumber, Key(pk), null);

    /// <summary>Random changes on few keys (so they collide), with sequence numbers from <paramref name="firstSequenceNumber"/>.</summary>
    public static List<Change> Random(int count, int keys, int seed, long firstSequenceNumber = 100_000_000_000_000_000)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(i =>
            {
                var pk = $"key-{random.Next(keys)}";
                return random.Next(4) == 0 ? Remove(firstSequenceNumber + i, pk) : Put(firstSequenceNumber + i, pk, random.Next(1000));
            })
            .ToList();
    }
}
