using System.Buffers;
using System.Runtime.CompilerServices;
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
        ReadValue(ref reader, depth: 1);

    /// <summary>An item's attribute value, from its StartObject.</summary>
    internal static DynamoValue ReadAttribute(ref Utf8JsonReader reader) => ReadValue(ref reader, depth: 1);

    public override void Write(Utf8JsonWriter writer, DynamoValue value, JsonSerializerOptions options) =>
        DynamoJson.Write(writer, value);

    private static DynamoValue ReadValue(ref Utf8JsonReader reader, int depth)
    {
        if (depth > ReplicationOptions.MaxNestingDepth)
        {
            throw Error($"nesting is deeper than DynamoDB's limit of {ReplicationOptions.MaxNestingDepth} levels");
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Error($"expected an attribute value object such as {{\"S\":\"text\"}}, found {reader.TokenType}");
        }

        Read(ref reader);
        if (reader.TokenType != JsonTokenType.PropertyName)
        {
            throw Error("an attribute value object is empty; it needs exactly one type such as \"S\" or \"N\"");
        }

        var type = TypeOf(ref reader);
        DynamoValue value;
        try
        {
            Read(ref reader);
            value = type switch
            {
                DynamoType.S => DynamoValue.String(ReadString(ref reader)),
                DynamoType.N => DynamoValue.Number(ReadNumber(ref reader)),
                DynamoType.B => DynamoValue.Binary(ReadBinary(ref reader)),
                DynamoType.BOOL => DynamoValue.Bool(ReadBool(ref reader)),
                DynamoType.NULL => ReadNull(ref reader),
                DynamoType.M => DynamoValue.Map(ReadMap(ref reader, depth)),
                DynamoType.L => DynamoValue.List(ReadList(ref reader, depth)),
                DynamoType.SS => DynamoValue.StringSet(ReadSet(ref reader, "string", ReadString)),
                DynamoType.NS => DynamoValue.NumberSet(ReadSet(ref reader, "number", ReadNumber)),
                _ => DynamoValue.BinarySet(ReadSet(ref reader, "binary", ReadBinary)),
            };
        }
        catch (AttributeValueException e)
        {
            throw e.Within($".{type}");
        }

        Read(ref reader);
        if (reader.TokenType != JsonTokenType.EndObject)
        {
            throw Error($"an attribute value has more than one type (\"{type}\" and \"{reader.GetString()}\")");
        }

        return value;
    }

    private static DynamoType TypeOf(ref Utf8JsonReader reader)
    {
        // Compared as UTF-8 bytes: no string is allocated for the type name.
        if (reader.ValueTextEquals("S"u8)) { return DynamoType.S; }
        if (reader.ValueTextEquals("N"u8)) { return DynamoType.N; }
        if (reader.ValueTextEquals("M"u8)) { return DynamoType.M; }
        if (reader.ValueTextEquals("L"u8)) { return DynamoType.L; }
        if (reader.ValueTextEquals("B"u8)) { return DynamoType.B; }
        if (reader.ValueTextEquals("BOOL"u8)) { return DynamoType.BOOL; }
        if (reader.ValueTextEquals("NULL"u8)) { return DynamoType.NULL; }
        if (reader.ValueTextEquals("SS"u8)) { return DynamoType.SS; }
        if (reader.ValueTextEquals("NS"u8)) { return DynamoType.NS; }
        if (reader.ValueTextEquals("BS"u8)) { return DynamoType.BS; }
        throw Error($"unknown attribute type \"{reader.GetString()}\"; expected one of S, N, B, BOOL, NULL, M, L, SS, NS, BS");
    }

    private static Dictionary<string, DynamoValue> ReadMap(ref Utf8JsonReader reader, int depth)
    {
        Expect(ref reader, JsonTokenType.StartObject, "an object of attribute values");
        var entries = new Collector<KeyValuePair<string, DynamoValue>>();
        try
        {
            for (Read(ref reader); reader.TokenType != JsonTokenType.EndObject; Read(ref reader))
            {
                var name = AttributeNames.Read(ref reader);
                try
                {
                    Read(ref reader);
                    entries.Add(new(name, ReadValue(ref reader, depth + 1)));
                }
                catch (AttributeValueException e)
                {
                    throw e.Within($".{name}");
                }
            }

            // Sized once, for exactly these entries.
            var map = new Dictionary<string, DynamoValue>(entries.Count, StringComparer.Ordinal);
            foreach (var (name, value) in entries.Items)
            {
                if (!map.TryAdd(name, value))
                {
                    throw Error("the map names this attribute twice").Within($".{name}");
                }
            }

            return map;
        }
        finally
        {
            entries.Dispose();
        }
    }

    /// <summary>
    /// An item, key or image: attribute names to values. An attribute named twice keeps its last
    /// value, as the serializer's own dictionary reading did before this reader took over.
    /// </summary>
    internal static Dictionary<string, DynamoValue> ReadItem(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject, "an object of attribute values");
        var item = new Dictionary<string, DynamoValue>(StringComparer.Ordinal);
        for (Read(ref reader); reader.TokenType != JsonTokenType.EndObject; Read(ref reader))
        {
            var name = AttributeNames.Read(ref reader);
            try
            {
                Read(ref reader);
                item[name] = ReadValue(ref reader, depth: 1);
            }
            catch (AttributeValueException e)
            {
                throw e.Within($".{name}");
            }
        }

        return item;
    }

    private static DynamoValue[] ReadList(ref Utf8JsonReader reader, int depth)
    {
        Expect(ref reader, JsonTokenType.StartArray, "an array of attribute values");
        var list = new Collector<DynamoValue>();
        try
        {
            for (Read(ref reader); reader.TokenType != JsonTokenType.EndArray; Read(ref reader))
            {
                try
                {
                    list.Add(ReadValue(ref reader, depth + 1));
                }
                catch (AttributeValueException e)
                {
                    throw e.Within($"[{list.Count}]");
                }
            }

            return list.Items.ToArray();
        }
        finally
        {
            list.Dispose();
        }
    }

    private delegate T ElementReader<out T>(ref Utf8JsonReader reader);

    private static T[] ReadSet<T>(ref Utf8JsonReader reader, string kind, ElementReader<T> readElement)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Error($"expected an array of {kind} values, found {reader.TokenType}");
        }

        var set = new Collector<T>();
        try
        {
            for (Read(ref reader); reader.TokenType != JsonTokenType.EndArray; Read(ref reader))
            {
                try
                {
                    set.Add(readElement(ref reader));
                }
                catch (AttributeValueException e)
                {
                    throw e.Within($"[{set.Count}]");
                }
            }

            return set.Count > 0 ? set.Items.ToArray() : throw Error($"a {kind} set is empty; DynamoDB sets hold at least one element");
        }
        finally
        {
            set.Dispose();
        }
    }

    /// <summary>Gathers a map's or list's elements in a pooled buffer, so the collection is built once at its final size.</summary>
    private struct Collector<T> : IDisposable
    {
        private T[]? _buffer;

        public int Count { get; private set; }

        public readonly ReadOnlySpan<T> Items => _buffer.AsSpan(0, Count);

        public void Add(T item)
        {
            if (_buffer is null || Count == _buffer.Length)
            {
                var larger = ArrayPool<T>.Shared.Rent(Math.Max(16, Count * 2));
                if (_buffer is not null)
                {
                    _buffer.AsSpan(0, Count).CopyTo(larger);
                    ArrayPool<T>.Shared.Return(_buffer, clearArray: RuntimeHelpers.IsReferenceOrContainsReferences<T>());
                }

                _buffer = larger;
            }

            _buffer[Count++] = item;
        }

        public void Dispose()
        {
            if (_buffer is not null)
            {
                ArrayPool<T>.Shared.Return(_buffer, clearArray: RuntimeHelpers.IsReferenceOrContainsReferences<T>());
                _buffer = null;
            }
        }
    }

    private static string ReadString(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.String, "a string");
        return reader.GetString()!;
    }

    private static string ReadNumber(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.String, "a number written as a string, e.g. \"42\"");
        var text = reader.GetString()!;
        return DynamoNumber.IsValid(text) ? text : throw Error($"\"{text}\" is not a decimal number");
    }

    private static byte[] ReadBinary(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.String, "base64 text");
        return reader.TryGetBytesFromBase64(out var bytes) ? bytes : throw Error("the value is not valid base64");
    }

    private static bool ReadBool(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => throw Error($"expected true or false, found {reader.TokenType}"),
    };

    private static DynamoValue ReadNull(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.True ? DynamoValue.Null : throw Error("NULL must be true");

    private static void Read(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw Error("the JSON ends inside an attribute value");
        }
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType expected, string what)
    {
        if (reader.TokenType != expected)
        {
            throw Error($"expected {what}, found {reader.TokenType}");
        }
    }

    private static AttributeValueException Error(string reason) => new("", reason);
}

/// <summary>Reads an item (a key, a new or old image) with <see cref="DynamoValueConverter.ReadItem"/>.</summary>
internal sealed class ItemConverter : JsonConverter<Dictionary<string, DynamoValue>>
{
    public override Dictionary<string, DynamoValue> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DynamoValueConverter.ReadItem(ref reader);

    public override void Write(Utf8JsonWriter writer, Dictionary<string, DynamoValue> value, JsonSerializerOptions options) =>
        DynamoJson.WriteItem(writer, value);
}

/// <summary>
/// A malformed attribute value. <see cref="InnerPath"/> is the path inside the attribute, built as
/// the error unwinds (so reading a good value never builds one).
/// </summary>
internal sealed class AttributeValueException(string innerPath, string reason) : JsonException(reason)
{
    public string InnerPath { get; } = innerPath;

    public string Reason { get; } = reason;

    public AttributeValueException Within(string segment) => new(segment + InnerPath, Reason);
}
