using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using Replicator.Parsing;

namespace Replicator.Model;

/// <summary>
/// An image of a stream record kept as its own DynamoDB JSON, a slice of the event (or GetRecords
/// page) it came in, and read into values only on first use. A writer sends <see cref="Json"/> as
/// it is: the stream's DynamoDB JSON is already the wire format of a request's item, so one-way
/// replication never builds an image's values at all. Its JSON syntax is checked with the record;
/// a read of its values throws <see cref="JsonException"/> (naming the attribute) for a bad one.
/// </summary>
public sealed class RawImage(ReadOnlyMemory<byte> json, bool namesUnique = false) : IReadOnlyDictionary<string, DynamoValue>
{
    /// <summary>The image's JSON object, exactly as the stream sent it.</summary>
    public ReadOnlyMemory<byte> Json { get; } = json;

    /// <summary>
    /// Known to name no attribute twice (the parser's check said so), so one attribute can be
    /// looked up by reading up to it, without reading the whole image: how a scanned item's key is
    /// found. Otherwise the last of two same-named attributes counts, and only a full read knows it.
    /// </summary>
    public bool NamesUnique { get; } = namesUnique;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = StreamEventParser.MaxJsonDepth };

    private Dictionary<string, DynamoValue>? _items;

    private Dictionary<string, DynamoValue> Items => _items ?? Read();

    public DynamoValue this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"The image has no attribute {key}.");

    public IEnumerable<string> Keys => Items.Keys;

    public IEnumerable<DynamoValue> Values => Items.Values;

    public int Count => Items.Count;

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out DynamoValue value)
    {
        if (_items is not null || !NamesUnique)
        {
            return Items.TryGetValue(key, out value);
        }

        var reader = new Utf8JsonReader(Json.Span, ReaderOptions);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var found = reader.ValueTextEquals(key);
            reader.Read();
            if (found)
            {
                value = DynamoValueConverter.ReadAttribute(ref reader);
                return true;
            }

            reader.Skip();
        }

        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, DynamoValue>> GetEnumerator() => Items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private Dictionary<string, DynamoValue> Read()
    {
        var reader = new Utf8JsonReader(Json.Span, ReaderOptions);
        reader.Read();
        var items = DynamoValueConverter.ReadItem(ref reader);
        return Interlocked.CompareExchange(ref _items, items, null) ?? items;
    }
}
