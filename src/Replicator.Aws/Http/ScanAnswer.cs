using System.Text.Json;
using Replicator.Model;
using Replicator.Parsing;
using Replicator.Verification;

namespace Replicator.Aws.Http;

/// <summary>
/// Reads a Scan answer without building an item's values: an item that <see cref="ImageCheck"/>
/// finds plain comes back as a <see cref="RawImage"/> over its slice of the answer, with
/// <see cref="RawImage.NamesUnique"/> (so its key is found by reading up to it, and a writer sends
/// its bytes as they are); any other is read into values now, so that a bad one fails here, as a bad
/// answer. <c>LastEvaluatedKey</c> is read into values (it goes into the next request). Throws
/// <see cref="JsonException"/> for an answer that is not a Scan answer.
/// </summary>
internal static class ScanAnswer
{
    /// <summary>Deep enough for an item of DynamoDB's 32 levels (two JSON levels each) inside the answer's own.</summary>
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 2 * ReplicationOptions.MaxNestingDepth + 16 };

    public static ScanPage Read(ReadOnlyMemory<byte> answer)
    {
        var items = new List<IReadOnlyDictionary<string, DynamoValue>>();
        Dictionary<string, DynamoValue>? last = null;
        var names = new NameHashes();
        var reader = new Utf8JsonReader(answer.Span, ReaderOptions);
        reader.Read();
        Require(ref reader, JsonTokenType.StartObject);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isItems = reader.ValueTextEquals("Items");
            var isLast = reader.ValueTextEquals("LastEvaluatedKey");
            reader.Read();
            if (isItems && reader.TokenType != JsonTokenType.Null)
            {
                Items(ref reader, answer, names, items);
            }
            else if (isLast && reader.TokenType != JsonTokenType.Null)
            {
                last = DynamoValueConverter.ReadItem(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }

        Require(ref reader, JsonTokenType.EndObject);
        return new ScanPage(items, last is { Count: > 0 } ? last : null);
    }

    private static void Items(ref Utf8JsonReader reader, ReadOnlyMemory<byte> answer, NameHashes names, List<IReadOnlyDictionary<string, DynamoValue>> into)
    {
        Require(ref reader, JsonTokenType.StartArray);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            Require(ref reader, JsonTokenType.StartObject);
            var start = (int)reader.TokenStartIndex;

            // The check reads a copy: when it is not sure, the full reader starts again from the item's start.
            var check = reader;
            if (ImageCheck.IsPlain(ref check, names))
            {
                reader = check;
                into.Add(new RawImage(answer[start..(int)reader.BytesConsumed], namesUnique: true));
            }
            else
            {
                into.Add(DynamoValueConverter.ReadItem(ref reader));
            }
        }
    }

    private static void Require(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (reader.TokenType != type)
        {
            throw new JsonException($"expected {type} at byte {reader.TokenStartIndex}, found {reader.TokenType}");
        }
    }
}
