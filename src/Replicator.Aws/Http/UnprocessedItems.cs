using System.Text.Json;
using Replicator.Model;

namespace Replicator.Aws.Http;

/// <summary>
/// Reads the <c>UnprocessedItems</c> of a BatchWriteItem answer, without objects for what was
/// written: each request left over comes back as its item (a put) or key (a delete), a
/// <see cref="RawImage"/> over the answer's bytes, or null for a request that is neither.
/// </summary>
internal static class UnprocessedItems
{
    /// <summary>The answer DynamoDB gives when everything was written, checked before anything is parsed.</summary>
    private static ReadOnlySpan<byte> NoneLeft => """{"UnprocessedItems":{}}"""u8;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 2 * ReplicationOptions.MaxNestingDepth + 16 };

    /// <summary>The requests left unprocessed, whatever table name the answer files them under (the request named one table); throws <see cref="JsonException"/> for an answer that is not JSON.</summary>
    public static List<RawImage?> Read(ReadOnlyMemory<byte> answer)
    {
        var left = new List<RawImage?>();
        if (answer.Span.SequenceEqual(NoneLeft))
        {
            return left;
        }

        var reader = new Utf8JsonReader(answer.Span, ReaderOptions);
        Expect(ref reader, JsonTokenType.StartObject);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isUnprocessed = reader.ValueTextEquals("UnprocessedItems");
            reader.Read();
            if (!isUnprocessed || reader.TokenType == JsonTokenType.Null)
            {
                reader.Skip();
                continue;
            }

            Require(ref reader, JsonTokenType.StartObject);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                Expect(ref reader, JsonTokenType.StartArray);
                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    left.Add(Request(ref reader, answer));
                }
            }
        }

        return left;
    }

    /// <summary>One write request, <c>{"PutRequest":{"Item":…}}</c> or <c>{"DeleteRequest":{"Key":…}}</c>; the reader ends on its closing brace.</summary>
    private static RawImage? Request(ref Utf8JsonReader reader, ReadOnlyMemory<byte> answer)
    {
        RawImage? attributes = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var inner = reader.ValueTextEquals("PutRequest") ? "Item" : reader.ValueTextEquals("DeleteRequest") ? "Key" : null;
            reader.Read();
            if (inner is null || reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var wanted = reader.ValueTextEquals(inner);
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                if (wanted && answer.Span[start] == (byte)'{')
                {
                    attributes = new RawImage(answer[start..(int)reader.BytesConsumed]);
                }
            }
        }

        return attributes;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        reader.Read();
        Require(ref reader, type);
    }

    private static void Require(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (reader.TokenType != type)
        {
            throw new JsonException($"expected {type} at byte {reader.TokenStartIndex}, found {reader.TokenType}");
        }
    }
}
