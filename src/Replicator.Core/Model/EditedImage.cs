using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Replicator.Model;

/// <summary>
/// A <see cref="RawImage"/> with one attribute taken out, and perhaps put back with another value:
/// multi-active's copy of an image without its metadata, or with new metadata. Written into a
/// request (<see cref="DynamoJson.WriteItem"/>) it is the image's own bytes, attribute by
/// attribute, with that one attribute left out or written anew, so forwarding an image never
/// builds its values. Read as a dictionary, it is the image's values with the change made.
/// </summary>
public sealed class EditedImage : IReadOnlyDictionary<string, DynamoValue>
{
    private readonly RawImage _image;
    private Dictionary<string, DynamoValue>? _items;

    private EditedImage(RawImage image, string name, DynamoValue? value)
    {
        _image = image;
        Name = name;
        Value = value;
    }

    /// <summary>The attribute taken out of the image.</summary>
    public string Name { get; }

    /// <summary>What <see cref="Name"/> holds now, or null for nothing.</summary>
    public DynamoValue? Value { get; }

    /// <summary><paramref name="item"/> with <paramref name="name"/> set to <paramref name="value"/> (or removed, for null); an image stays bytes.</summary>
    public static IReadOnlyDictionary<string, DynamoValue> With(IReadOnlyDictionary<string, DynamoValue> item, string name, DynamoValue? value) => item switch
    {
        RawImage raw => new EditedImage(raw, name, value),
        EditedImage edited when edited.Name == name => new EditedImage(edited._image, name, value),
        _ when value is null => item.ContainsKey(name) ? item.Where(pair => pair.Key != name).ToDictionary(StringComparer.Ordinal) : item,
        _ => new Dictionary<string, DynamoValue>(item, StringComparer.Ordinal) { [name] = value },
    };

    private Dictionary<string, DynamoValue> Items => _items ??= Build();

    public DynamoValue this[string key] => Items[key];

    public IEnumerable<string> Keys => Items.Keys;

    public IEnumerable<DynamoValue> Values => Items.Values;

    public int Count => Items.Count;

    public bool ContainsKey(string key) => Items.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out DynamoValue value) => Items.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, DynamoValue>> GetEnumerator() => Items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The image's attributes as they lie, but <see cref="Name"/>, then <see cref="Name"/> with its new value.</summary>
    internal void WriteTo(Utf8JsonWriter writer)
    {
        var json = _image.Json.Span;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = Parsing.StreamEventParser.MaxJsonDepth });
        reader.Read();
        writer.WriteStartObject();
        Span<byte> unescaped = stackalloc byte[Parsing.Unescaped.MaxOnStack];
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var skip = reader.ValueTextEquals(Name);
            if (!skip)
            {
                if (!reader.ValueIsEscaped)
                {
                    writer.WritePropertyName(reader.ValueSpan);
                }
                else if (Parsing.Unescaped.TryCopy(ref reader, unescaped, out var length))
                {
                    writer.WritePropertyName(unescaped[..length]);
                }
                else
                {
                    writer.WritePropertyName(reader.GetString()!);
                }
            }

            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            if (!skip)
            {
                writer.WriteRawValue(json[start..(int)reader.BytesConsumed], skipInputValidation: true);
            }
        }

        if (Value is not null)
        {
            writer.WritePropertyName(Name);
            DynamoJson.Write(writer, Value);
        }

        writer.WriteEndObject();
    }

    private Dictionary<string, DynamoValue> Build()
    {
        var items = _image.Where(pair => pair.Key != Name).ToDictionary(StringComparer.Ordinal);
        if (Value is not null)
        {
            items[Name] = Value;
        }

        return items;
    }
}
