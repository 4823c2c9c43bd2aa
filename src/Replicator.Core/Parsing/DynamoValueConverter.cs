using System.Text.Json;
using System.Text.Json.Serialization;
using Replicator.Model;

namespace Replicator.Parsing;

/// <summary>
/// Reads DynamoDB JSON (<c>{"S":"…"}</c>, <c>{"M":{…}}</c>, …) into <see cref="DynamoValue"/>. Numbers
/// are kept as their exact text, binary is decoded from base64, nesting is held to DynamoDB's limit.
/// Errors name the path inside the value, e.g. <c>.M.address.L[2]</c>.
/// </summary>
internal sealed class DynamoValueConverter : JsonConverter<DynamoValue>
{
    public override DynamoValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        ReadValue(ref reader, depth: 1, path: "");

    public override void Write(Utf8JsonWriter writer, DynamoValue value, JsonSerializerOptions options) =>
        DynamoJson.Write(writer, value);

    private static DynamoValue ReadValue(ref Utf8JsonReader reader, int depth, string path)
    {
        if (depth > ReplicationOptions.MaxNestingDepth)
        {
            throw Error(path, $"nesting is deeper than DynamoDB's limit of {ReplicationOptions.MaxNestingDepth} levels");
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Error(path, $"expected an attribute value object such as {{\"S\":\"text\"}}, found {reader.TokenType}");
        }

        Read(ref reader, path);
        if (reader.TokenType != JsonTokenType.PropertyName)
        {
            throw Error(path, "an attribute value object is empty; it needs exactly one type such as \"S\" or \"N\"");
        }

        var type = reader.GetString()!;
        var here = $"{path}.{type}";
        Read(ref reader, here);
        var value = type switch
        {
            "S" => DynamoValue.String(ReadString(ref reader, here)),
            "N" => DynamoValue.Number(ReadNumber(ref reader, here)),
            "B" => DynamoValue.Binary(ReadBinary(ref reader, here)),
            "BOOL" => DynamoValue.Bool(ReadBool(ref reader, here)),
            "NULL" => ReadNull(ref reader, here),
            "M" => DynamoValue.Map(ReadMap(ref reader, depth, here)),
            "L" => DynamoValue.List(ReadList(ref reader, depth, here)),
            "SS" => DynamoValue.StringSet(ReadSet(ref reader, here, "string", ReadString)),
            "NS" => DynamoValue.NumberSet(ReadSet(ref reader, here, "number", ReadNumber)),
            "BS" => DynamoValue.BinarySet(ReadSet(ref reader, here, "binary", ReadBinary)),
            _ => throw Error(path, $"unknown attribute type \"{type}\"; expected one of S, N, B, BOOL, NULL, M, L, SS, NS, BS"),
        };

        Read(ref reader, path);
        if (reader.TokenType != JsonTokenType.EndObject)
        {
            throw Error(path, $"an attribute value has more than one type (\"{type}\" and \"{reader.GetString()}\")");
        }

        return value;
    }

    private static Dictionary<string, DynamoValue> ReadMap(ref Utf8JsonReader reader, int depth, string path)
    {
        Expect(ref reader, JsonTokenType.StartObject, path, "an object of attribute values");
        var map = new Dictionary<string, DynamoValue>(StringComparer.Ordinal);
        for (Read(ref reader, path); reader.TokenType != JsonTokenType.EndObject; Read(ref reader, path))
        {
            var name = reader.GetString()!;
            var here = $"{path}.{name}";
            Read(ref reader, here);
            if (!map.TryAdd(name, ReadValue(ref reader, depth + 1, here)))
            {
                throw Error(here, "the map names this attribute twice");
            }
        }

        return map;
    }

    private static List<DynamoValue> ReadList(ref Utf8JsonReader reader, int depth, string path)
    {
        Expect(ref reader, JsonTokenType.StartArray, path, "an array of attribute values");
        var list = new List<DynamoValue>();
        for (Read(ref reader, path); reader.TokenType != JsonTokenType.EndArray; Read(ref reader, path))
        {
            list.Add(ReadValue(ref reader, depth + 1, $"{path}[{list.Count}]"));
        }

        return list;
    }

    private delegate T ElementReader<out T>(ref Utf8JsonReader reader, string path);

    private static List<T> ReadSet<T>(ref Utf8JsonReader reader, string path, string kind, ElementReader<T> readElement)
    {
        Expect(ref reader, JsonTokenType.StartArray, path, $"an array of {kind} values");
        var set = new List<T>();
        for (Read(ref reader, path); reader.TokenType != JsonTokenType.EndArray; Read(ref reader, path))
        {
            set.Add(readElement(ref reader, $"{path}[{set.Count}]"));
        }

        return set.Count > 0 ? set : throw Error(path, $"a {kind} set is empty; DynamoDB sets hold at least one element");
    }

    private static string ReadString(ref Utf8JsonReader reader, string path)
    {
        Expect(ref reader, JsonTokenType.String, path, "a string");
        return reader.GetString()!;
    }

    private static string ReadNumber(ref Utf8JsonReader reader, string path)
    {
        Expect(ref reader, JsonTokenType.String, path, "a number written as a string, e.g. \"42\"");
        var text = reader.GetString()!;
        return DynamoNumber.IsValid(text) ? text : throw Error(path, $"\"{text}\" is not a decimal number");
    }

    private static byte[] ReadBinary(ref Utf8JsonReader reader, string path)
    {
        Expect(ref reader, JsonTokenType.String, path, "base64 text");
        return reader.TryGetBytesFromBase64(out var bytes) ? bytes : throw Error(path, "the value is not valid base64");
    }

    private static bool ReadBool(ref Utf8JsonReader reader, string path) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => throw Error(path, $"expected true or false, found {reader.TokenType}"),
    };

    private static DynamoValue ReadNull(ref Utf8JsonReader reader, string path) =>
        reader.TokenType == JsonTokenType.True ? DynamoValue.Null : throw Error(path, "NULL must be true");

    private static void Read(ref Utf8JsonReader reader, string path)
    {
        if (!reader.Read())
        {
            throw Error(path, "the JSON ends inside an attribute value");
        }
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType expected, string path, string what)
    {
        if (reader.TokenType != expected)
        {
            throw Error(path, $"expected {what}, found {reader.TokenType}");
        }
    }

    private static AttributeValueException Error(string path, string message) => new(path, message);
}

/// <summary>A malformed attribute value; <see cref="InnerPath"/> is the path inside the attribute.</summary>
internal sealed class AttributeValueException(string innerPath, string reason) : JsonException(reason)
{
    public string InnerPath { get; } = innerPath;

    public string Reason { get; } = reason;
}
