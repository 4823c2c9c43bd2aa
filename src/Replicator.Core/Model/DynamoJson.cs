using System.Text.Json;

namespace Replicator.Model;

/// <summary>Writes attribute values as DynamoDB JSON (<c>{"S":"…"}</c>, <c>{"N":"…"}</c>, …).</summary>
public static class DynamoJson
{
    public static void Write(Utf8JsonWriter writer, DynamoValue value)
    {
        writer.WriteStartObject();
        switch (value.Type)
        {
            case DynamoType.S:
                writer.WriteString("S", value.AsString());
                break;
            case DynamoType.N:
                writer.WriteString("N", value.AsNumber());
                break;
            case DynamoType.B:
                writer.WriteBase64String("B", value.AsBinary());
                break;
            case DynamoType.BOOL:
                writer.WriteBoolean("BOOL", value.AsBool());
                break;
            case DynamoType.NULL:
                writer.WriteBoolean("NULL", true);
                break;
            case DynamoType.M:
                writer.WritePropertyName("M");
                WriteItem(writer, value.AsMap());
                break;
            case DynamoType.L:
                writer.WriteStartArray("L");
                foreach (var element in value.AsList())
                {
                    Write(writer, element);
                }

                writer.WriteEndArray();
                break;
            case DynamoType.SS:
                WriteStrings(writer, "SS", value.AsStringSet());
                break;
            case DynamoType.NS:
                WriteStrings(writer, "NS", value.AsNumberSet());
                break;
            case DynamoType.BS:
                writer.WriteStartArray("BS");
                foreach (var element in value.AsBinarySet())
                {
                    writer.WriteBase64StringValue(element);
                }

                writer.WriteEndArray();
                break;
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// An item or key: a JSON object of attribute name to DynamoDB JSON value. An image from the
    /// stream (<see cref="RawImage"/>, <see cref="EditedImage"/>) is written as its own bytes.
    /// </summary>
    public static void WriteItem(Utf8JsonWriter writer, IReadOnlyDictionary<string, DynamoValue> item)
    {
        switch (item)
        {
            case RawImage raw:
                writer.WriteRawValue(raw.Json.Span, skipInputValidation: true);
                return;
            case EditedImage edited:
                edited.WriteTo(writer);
                return;
        }

        writer.WriteStartObject();
        foreach (var (name, value) in item)
        {
            writer.WritePropertyName(name);
            Write(writer, value);
        }

        writer.WriteEndObject();
    }

    public static string ToJson(DynamoValue value) => JsonText.Render(writer => Write(writer, value));

    public static string ToJson(IReadOnlyDictionary<string, DynamoValue> item) => JsonText.Render(writer => WriteItem(writer, item));

    private static void WriteStrings(Utf8JsonWriter writer, string name, IReadOnlyList<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var element in values)
        {
            writer.WriteStringValue(element);
        }

        writer.WriteEndArray();
    }
}
