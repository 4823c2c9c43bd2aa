using System.Text.Json;
using System.Text.Json.Serialization;

namespace Replicator.Parsing;

/// <summary>Where an image's JSON object lies within its record: what <see cref="RawImage"/> is made from.</summary>
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
