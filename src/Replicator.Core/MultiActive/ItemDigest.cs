using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Replicator.Model;

namespace Replicator.MultiActive;

/// <summary>
/// A digest of an item's user attributes (every attribute but the metadata), the same for every
/// spelling DynamoDB treats as one value: attributes and map entries in any order, sets in any
/// order, numbers as decimals (<c>1E+3</c> is <c>1000</c>, as AWS gives it back). The metadata
/// carries the digest of the data it was written with, so a record whose data no longer matches
/// it was changed by the application, even if the metadata was copied along.
/// </summary>
public static class ItemDigest
{
    /// <summary>16 bytes of SHA-256 is plenty to tell one item's states apart; base64 keeps it short.</summary>
    private const int Bytes = 16;

    /// <summary>
    /// The canonical form is written into one buffer and hashed once: hashing it piece by piece
    /// cost a call into the crypto library per name and value, most of a digest's time.
    /// </summary>
    public static string Of(IReadOnlyDictionary<string, DynamoValue> item, string metadataAttribute)
    {
        var canonical = new ArrayBufferWriter<byte>(1024);
        var names = item.Keys.Where(name => name != metadataAttribute).Order(StringComparer.Ordinal).ToList();
        Count(canonical, names.Count);
        foreach (var name in names)
        {
            Text(canonical, name);
            Value(canonical, item[name]);
        }

        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(canonical.WrittenSpan, digest);
        return Convert.ToBase64String(digest[..Bytes]).TrimEnd('=');
    }

    private static void Value(ArrayBufferWriter<byte> canonical, DynamoValue value)
    {
        Byte(canonical, (byte)value.Type);
        switch (value.Type)
        {
            case DynamoType.S:
                Text(canonical, value.AsString());
                break;
            case DynamoType.N:
                Text(canonical, DynamoNumber.Canonical(value.AsNumber()));
                break;
            case DynamoType.B:
                Blob(canonical, value.AsBinary());
                break;
            case DynamoType.BOOL:
                Byte(canonical, value.AsBool() ? (byte)1 : (byte)0);
                break;
            case DynamoType.NULL:
                break;
            case DynamoType.M:
                var map = value.AsMap();
                Count(canonical, map.Count);
                foreach (var name in map.Keys.Order(StringComparer.Ordinal))
                {
                    Text(canonical, name);
                    Value(canonical, map[name]);
                }

                break;
            case DynamoType.L:
                var list = value.AsList();
                Count(canonical, list.Count);
                foreach (var element in list)
                {
                    Value(canonical, element);
                }

                break;
            case DynamoType.SS:
                Texts(canonical, value.AsStringSet());
                break;
            case DynamoType.NS:
                Texts(canonical, value.AsNumberSet().Select(DynamoNumber.Canonical));
                break;
            case DynamoType.BS:
                Texts(canonical, value.AsBinarySet().Select(Convert.ToBase64String));
                break;
        }
    }

    private static void Texts(ArrayBufferWriter<byte> canonical, IEnumerable<string> members)
    {
        var sorted = members.Order(StringComparer.Ordinal).ToList();
        Count(canonical, sorted.Count);
        foreach (var member in sorted)
        {
            Text(canonical, member);
        }
    }

    /// <summary>Its UTF-8 length, then its UTF-8 bytes.</summary>
    private static void Text(ArrayBufferWriter<byte> canonical, string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        Count(canonical, length);
        Encoding.UTF8.GetBytes(text, canonical.GetSpan(length));
        canonical.Advance(length);
    }

    private static void Blob(ArrayBufferWriter<byte> canonical, byte[] bytes)
    {
        Count(canonical, bytes.Length);
        canonical.Write(bytes);
    }

    private static void Byte(ArrayBufferWriter<byte> canonical, byte value)
    {
        canonical.GetSpan(1)[0] = value;
        canonical.Advance(1);
    }

    private static void Count(ArrayBufferWriter<byte> canonical, int count)
    {
        BinaryPrimitives.WriteInt32LittleEndian(canonical.GetSpan(4), count);
        canonical.Advance(4);
    }
}
