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
public sealed class RawImage(ReadOnlyMemory<byte> json) : IReadOnlyDictionary<string, DynamoValue>
{
    /// <summary>The image's JSON object, exactly as the stream sent it.</summary>
    public ReadOnlyMemory<byte> Json { get; } = json;

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
        var reader = new Utf8JsonReader(Json.Span, ReaderOptions);
        reader.Read();
        var items = DynamoValueConverter.ReadItem(ref reader);
        return Interlocked.CompareExchange(ref _items, items, null) ?? items;
    }
}
