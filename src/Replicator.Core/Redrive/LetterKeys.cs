using System.Text.Json;
using Replicator.Model;
using Replicator.Parsing;

namespace Replicator.Redrive;

/// <summary>
/// Reads the key of a stream record (its <c>dynamodb.Keys</c>) leniently: a record the parser
/// refused for something else (a bad image, an unknown event name) may still name its key, and
/// that is all a redrive needs.
/// </summary>
internal static class LetterKeys
{
    /// <summary>The key, or null and why it cannot be read.</summary>
    public static (ItemKey? Key, string? Problem) Read(ReadOnlySpan<byte> record)
    {
        try
        {
            using var document = JsonDocument.Parse(record.ToArray(), new JsonDocumentOptions { MaxDepth = 256 });
            return Read(document.RootElement);
        }
        catch (JsonException e)
        {
            return (null, $"the record is not JSON ({e.Message})");
        }
    }

    public static (ItemKey? Key, string? Problem) Read(JsonElement record)
    {
        if (record.ValueKind != JsonValueKind.Object
            || !record.TryGetProperty("dynamodb", out var body) || body.ValueKind != JsonValueKind.Object
            || !body.TryGetProperty("Keys", out var keys) || keys.ValueKind != JsonValueKind.Object)
        {
            return (null, "the record has no dynamodb.Keys object");
        }

        return ReadKeys(keys);
    }

    /// <summary>The raw <c>dynamodb.Keys</c> JSON of a record, or null (not JSON, no such object): what a truncated letter keeps.</summary>
    public static byte[]? RawKeys(ReadOnlySpan<byte> record)
    {
        try
        {
            using var document = JsonDocument.Parse(record.ToArray(), new JsonDocumentOptions { MaxDepth = 256 });
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("dynamodb", out var body) && body.ValueKind == JsonValueKind.Object
                && body.TryGetProperty("Keys", out var keys) && keys.ValueKind == JsonValueKind.Object
                ? System.Text.Encoding.UTF8.GetBytes(keys.GetRawText())
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A key from a <c>dynamodb.Keys</c> object: one or two attributes, each S, N or B.</summary>
    public static (ItemKey? Key, string? Problem) ReadKeys(JsonElement keys)
    {
        var attributes = new Dictionary<string, DynamoValue>(StringComparer.Ordinal);
        foreach (var attribute in keys.EnumerateObject())
        {
            try
            {
                var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(attribute.Value.GetRawText()));
                reader.Read();
                var value = DynamoValueConverter.ReadAttribute(ref reader);
                if (value.Type is not (DynamoType.S or DynamoType.N or DynamoType.B))
                {
                    return (null, $"key attribute {attribute.Name} is of type {value.Type}; a key is S, N or B");
                }

                attributes[attribute.Name] = value;
            }
            catch (Exception e) when (e is JsonException or FormatException or ArgumentException or OverflowException)
            {
                return (null, $"key attribute {attribute.Name} cannot be read: {e.Message}");
            }
        }

        return attributes.Count is 1 or 2 ? (new ItemKey(attributes), null) : (null, $"dynamodb.Keys has {attributes.Count} attributes; a key has one or two");
    }
}
