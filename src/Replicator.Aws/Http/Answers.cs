using System.Text.Json;
using Replicator.Model;

namespace Replicator.Aws.Http;

/// <summary>
/// Reads what DynamoDB answers without building objects for what is not asked: an
/// item comes back as a <see cref="RawImage"/> over its slice of the answer, read into values on
/// first use. Every method throws <see cref="JsonException"/> for an answer that is not the JSON
/// the operation answers.
/// </summary>
internal static class Answers
{
    /// <summary>Deep enough for an item of DynamoDB's 32 levels (two JSON levels each) inside the answer's own.</summary>
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 2 * ReplicationOptions.MaxNestingDepth + 16 };

    /// <summary>
    /// Checks that an answer is a JSON object, as every operation's is (<c>{}</c> at least): a 200
    /// with anything else, an empty body from a proxy, say, does not say the write was made.
    /// </summary>
    public static void Object(ReadOnlyMemory<byte> answer)
    {
        var reader = Start(answer);
        reader.Skip();
    }

    /// <summary>
    /// The item under the top-level member <paramref name="name"/> (UpdateItem's <c>Attributes</c>, a
    /// failed condition's <c>Item</c>); null when there is none, or it has no attributes.
    /// </summary>
    public static RawImage? Item(ReadOnlyMemory<byte> answer, string name)
    {
        RawImage? item = null;
        var reader = Start(answer);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var wanted = reader.ValueTextEquals(name);
            reader.Read();
            if (wanted && reader.TokenType == JsonTokenType.StartObject)
            {
                item = Slice(ref reader, answer);
            }
            else
            {
                reader.Skip();
            }
        }

        // Read now: a bad item is a bad answer, said here rather than wherever it is first used.
        return item is { Count: > 0 } ? item : null;
    }

    /// <summary>The <c>Code</c> of each of a TransactionCanceledException's <c>CancellationReasons</c>, in order (null for a reason without one).</summary>
    public static List<string?> CancellationCodes(ReadOnlyMemory<byte> answer)
    {
        var codes = new List<string?>();
        var reader = Start(answer);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var wanted = reader.ValueTextEquals("CancellationReasons");
            reader.Read();
            if (!wanted || reader.TokenType != JsonTokenType.StartArray)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                codes.Add(reader.TokenType == JsonTokenType.StartObject ? Code(ref reader) : SkipValue(ref reader));
            }
        }

        return codes;
    }

    /// <summary>
    /// A BatchGetItem answer: the items found and the keys left unprocessed, whatever table name the
    /// answer files them under (the request named one table).
    /// </summary>
    public static (List<RawImage> Found, List<RawImage> Left) BatchGet(ReadOnlyMemory<byte> answer)
    {
        var found = new List<RawImage>();
        var left = new List<RawImage>();
        var reader = Start(answer);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isResponses = reader.ValueTextEquals("Responses");
            var isUnprocessed = reader.ValueTextEquals("UnprocessedKeys");
            reader.Read();
            if ((!isResponses && !isUnprocessed) || reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                reader.Read();
                if (isResponses)
                {
                    Objects(ref reader, answer, found);
                }
                else
                {
                    Keys(ref reader, answer, left);
                }
            }
        }

        return (found, left);
    }

    /// <summary>One table's unprocessed keys, <c>{"Keys":[…],"ConsistentRead":true}</c>.</summary>
    private static void Keys(ref Utf8JsonReader reader, ReadOnlyMemory<byte> answer, List<RawImage> into)
    {
        Require(ref reader, JsonTokenType.StartObject);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var wanted = reader.ValueTextEquals("Keys");
            reader.Read();
            if (wanted)
            {
                Objects(ref reader, answer, into);
            }
            else
            {
                reader.Skip();
            }
        }
    }

    /// <summary>An array of items or keys, each kept as its slice.</summary>
    private static void Objects(ref Utf8JsonReader reader, ReadOnlyMemory<byte> answer, List<RawImage> into)
    {
        Require(ref reader, JsonTokenType.StartArray);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            Require(ref reader, JsonTokenType.StartObject);
            into.Add(Slice(ref reader, answer));
        }
    }

    private static string? Code(ref Utf8JsonReader reader)
    {
        string? code = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var wanted = reader.ValueTextEquals("Code");
            reader.Read();
            if (wanted && reader.TokenType == JsonTokenType.String)
            {
                code = reader.GetString();
            }
            else
            {
                reader.Skip();
            }
        }

        return code;
    }

    private static string? SkipValue(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return null;
    }

    /// <summary>The object the reader is on, as a raw image of its bytes; the reader ends on its closing brace.</summary>
    private static RawImage Slice(ref Utf8JsonReader reader, ReadOnlyMemory<byte> answer)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return new RawImage(answer[start..(int)reader.BytesConsumed]);
    }

    private static Utf8JsonReader Start(ReadOnlyMemory<byte> answer)
    {
        var reader = new Utf8JsonReader(answer.Span, ReaderOptions);
        reader.Read();
        Require(ref reader, JsonTokenType.StartObject);
        return reader;
    }

    private static void Require(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (reader.TokenType != type)
        {
            throw new JsonException($"expected {type} at byte {reader.TokenStartIndex}, found {reader.TokenType}");
        }
    }
}
