using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using Replicator.Model;

namespace Replicator.Parsing;

/// <summary>
/// Checks an image where it lies in the event, building nothing: one pass of the reader that the
/// record is read with. It answers true only for an image that <see cref="DynamoValueConverter.ReadItem"/>
/// certainly reads, and that names no attribute twice at any level, so that the image's bytes can
/// go into a request as they are. Anything it is not sure of (an error, a name or value written
/// with escapes, a name whose hash it has seen in the same map) answers false, and the parser
/// reads the record the full way, which either reads it or names what is wrong with it.
/// </summary>
internal static class ImageCheck
{
    private static readonly SearchValues<byte> Whitespace = SearchValues.Create(" \t\r\n"u8);

    /// <summary>From the image's StartObject; on true, <paramref name="reader"/> is on its EndObject.</summary>
    public static bool IsPlain(ref Utf8JsonReader reader, NameHashes names)
    {
        names.Count = 0;
        return Attributes(ref reader, depth: 0, names);
    }

    /// <summary>A map's or the item's attributes, from its StartObject; values are one level deeper.</summary>
    private static bool Attributes(ref Utf8JsonReader reader, int depth, NameHashes names)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var level = names.Count;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!names.TryAdd(level, ref reader) || !reader.Read() || !Value(ref reader, depth + 1, names))
            {
                return false;
            }
        }

        names.Count = level;
        return reader.TokenType == JsonTokenType.EndObject;
    }

    private static bool Value(ref Utf8JsonReader reader, int depth, NameHashes names)
    {
        if (depth > ReplicationOptions.MaxNestingDepth || reader.TokenType != JsonTokenType.StartObject
            || !reader.Read() || reader.TokenType != JsonTokenType.PropertyName || reader.ValueIsEscaped)
        {
            return false;
        }

        var type = reader.ValueSpan;
        if (!reader.Read())
        {
            return false;
        }

        var good = type.Length switch
        {
            1 => type[0] switch
            {
                (byte)'S' => reader.TokenType == JsonTokenType.String,
                (byte)'N' => IsNumber(ref reader),
                (byte)'B' => IsBinary(ref reader),
                (byte)'M' => Attributes(ref reader, depth, names),
                (byte)'L' => List(ref reader, depth, names),
                _ => false,
            },
            2 when type[1] == (byte)'S' => type[0] switch
            {
                (byte)'S' => Set(ref reader, DynamoType.S),
                (byte)'N' => Set(ref reader, DynamoType.N),
                (byte)'B' => Set(ref reader, DynamoType.B),
                _ => false,
            },
            4 when type.SequenceEqual("BOOL"u8) => reader.TokenType is JsonTokenType.True or JsonTokenType.False,
            4 when type.SequenceEqual("NULL"u8) => reader.TokenType == JsonTokenType.True,
            _ => false,
        };
        return good && reader.Read() && reader.TokenType == JsonTokenType.EndObject;
    }

    private static bool List(ref Utf8JsonReader reader, int depth, NameHashes names)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (!Value(ref reader, depth + 1, names))
            {
                return false;
            }
        }

        return reader.TokenType == JsonTokenType.EndArray;
    }

    /// <summary>A set: not empty, each element of its type. Elements named twice are the target's to refuse, as before.</summary>
    private static bool Set(ref Utf8JsonReader reader, DynamoType element)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var good = element switch
            {
                DynamoType.S => reader.TokenType == JsonTokenType.String,
                DynamoType.N => IsNumber(ref reader),
                _ => IsBinary(ref reader),
            };
            if (!good)
            {
                return false;
            }

            count++;
        }

        return count > 0 && reader.TokenType == JsonTokenType.EndArray;
    }

    private static bool IsNumber(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return false;
        }

        if (!reader.ValueIsEscaped)
        {
            return DynamoNumber.IsValid(reader.ValueSpan);
        }

        // Some writers escape the '+' of an exponent (\u002B). A number DynamoDB holds is short.
        Span<byte> text = stackalloc byte[Unescaped.MaxOnStack];
        return Unescaped.TryCopy(ref reader, text, out var length) && DynamoNumber.IsValid(text[..length]);
    }

    /// <summary>Base64 as <see cref="Utf8JsonReader.TryGetBytesFromBase64"/> takes it (after unescaping): no whitespace.</summary>
    private static bool IsBinary(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return false;
        }

        if (!reader.ValueIsEscaped)
        {
            return IsBase64(reader.ValueSpan);
        }

        var rented = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
        try
        {
            var length = reader.CopyString(rented);
            return IsBase64(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static bool IsBase64(ReadOnlySpan<byte> text) => text.IndexOfAny(Whitespace) < 0 && Base64.IsValid(text);
}

/// <summary>Short strings written with escapes, unescaped on the stack.</summary>
internal static class Unescaped
{
    public const int MaxOnStack = 256;

    /// <summary>False for a string longer than <paramref name="destination"/> even escaped (an escape is never shorter than what it stands for).</summary>
    public static bool TryCopy(ref Utf8JsonReader reader, scoped Span<byte> destination, out int length)
    {
        length = 0;
        if (reader.ValueSpan.Length > destination.Length)
        {
            return false;
        }

        length = reader.CopyString(destination);
        return true;
    }
}

/// <summary>
/// Hashes of the attribute names of the maps being checked, innermost last: a name whose hash
/// is already in its map may be a name given twice, which <see cref="ImageCheck"/> leaves to the full reader.
/// One per parse, reused for every image.
/// </summary>
internal sealed class NameHashes
{
    private int[] _hashes = new int[64];

    public int Count { get; set; }

    /// <summary>Adds the hash of the name <paramref name="reader"/> is on, unless the map that starts at <paramref name="level"/> already holds it.</summary>
    public bool TryAdd(int level, ref Utf8JsonReader reader)
    {
        var hash = new HashCode();
        if (reader.ValueIsEscaped)
        {
            // Hashed unescaped, so that "a" and "\u0061" are seen as one name.
            Span<byte> name = stackalloc byte[Unescaped.MaxOnStack];
            if (!Unescaped.TryCopy(ref reader, name, out var length))
            {
                return false;
            }

            hash.AddBytes(name[..length]);
        }
        else
        {
            hash.AddBytes(reader.ValueSpan);
        }

        var value = hash.ToHashCode();
        if (_hashes.AsSpan(level, Count - level).Contains(value))
        {
            return false;
        }

        if (Count == _hashes.Length)
        {
            Array.Resize(ref _hashes, _hashes.Length * 2);
        }

        _hashes[Count++] = value;
        return true;
    }
}
