using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using Replicator.Model;

namespace Replicator.Parsing;

/// <summary>
/// A record's old image, kept as its JSON and read on first use. The engine never writes old
/// images; reading every one of them up front doubled the parser's time and memory for nothing.
/// Its JSON syntax is checked with the record; its values are checked when it is first read,
/// which throws <see cref="JsonException"/> (naming the attribute) if the stream sent a bad one.
/// </summary>
internal sealed class LazyImage(ReadOnlyMemory<byte> json) : IReadOnlyDictionary<string, DynamoValue>
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = StreamEventParser.MaxJsonDepth };

    private Dictionary<string, DynamoValue>? _items;

    private Dictionary<string, DynamoValue> Items => _items ?? Read();

    public DynamoValue this[string key] => Items[key];

    public IEnumerable<string> Keys => Items.Keys;

    public IEnumerable<DynamoValue> Values => Items.Values;

    public int Count => Items.Count;

    public bool ContainsKey(string key) => Items.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out DynamoValue value) => Items.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, DynamoValue>> GetEnumerator() => Items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private Dictionary<string, DynamoValue> Read()
    {
        var reader = new Utf8JsonReader(json.Span, ReaderOptions);
        reader.Read();
        var items = DynamoValueConverter.ReadItem(ref reader);
        return Interlocked.CompareExchange(ref _items, items, null) ?? items;
    }
}

/// <summary>Where an image's JSON object lies within its record: what <see cref="LazyImage"/> is made from.</summary>
internal readonly record struct JsonSpan(int Start, int Length);

/// <summary>Notes where an object lies in the record being read (the serializer reads a record from its own bytes), and skips it.</summary>
internal sealed class JsonSpanConverter : JsonConverter<JsonSpan>
{
    public override JsonSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new AttributeValueException("", $"expected an object of attribute values, found {reader.TokenType}");
        }

        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return new JsonSpan(start, (int)reader.BytesConsumed - start);
    }

    public override void Write(Utf8JsonWriter writer, JsonSpan value, JsonSerializerOptions options) =>
        throw new NotSupportedException("A record's old image is only read.");
}
