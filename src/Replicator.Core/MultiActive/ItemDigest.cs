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

    public static string Of(IReadOnlyDictionary<string, DynamoValue> item, string metadataAttribute)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var names = item.Keys.Where(name => name != metadataAttribute).Order(StringComparer.Ordinal).ToList();
        Count(hash, names.Count);
        foreach (var name in names)
        {
            Text(hash, name);
            Value(hash, item[name]);
        }

        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return Convert.ToBase64String(digest[..Bytes]).TrimEnd('=');
    }

    private static void Value(IncrementalHash hash, DynamoValue value)
    {
        hash.AppendData([(byte)value.Type]);
        switch (value.Type)
        {
            case DynamoType.S:
                Text(hash, value.AsString());
                break;
            case DynamoType.N:
                Text(hash, DynamoNumber.Canonical(value.AsNumber()));
                break;
            case DynamoType.B:
                Blob(hash, value.AsBinary());
                break;
            case DynamoType.BOOL:
                hash.AppendData([value.AsBool() ? (byte)1 : (byte)0]);
                break;
            case DynamoType.NULL:
                break;
            case DynamoType.M:
                var map = value.AsMap();
                Count(hash, map.Count);
                foreach (var name in map.Keys.Order(StringComparer.Ordinal))
                {
                    Text(hash, name);
                    Value(hash, map[name]);
                }

                break;
            case DynamoType.L:
                var list = value.AsList();
                Count(hash, list.Count);
                foreach (var element in list)
                {
                    Value(hash, element);
                }

                break;
            case DynamoType.SS:
                Texts(hash, value.AsStringSet());
                break;
            case DynamoType.NS:
                Texts(hash, value.AsNumberSet().Select(DynamoNumber.Canonical));
                break;
            case DynamoType.BS:
                Texts(hash, value.AsBinarySet().Select(Convert.ToBase64String));
                break;
        }
    }

    private static void Texts(IncrementalHash hash, IEnumerable<string> members)
    {
        var sorted = members.Order(StringComparer.Ordinal).ToList();
        Count(hash, sorted.Count);
        foreach (var member in sorted)
        {
            Text(hash, member);
        }
    }

    private static void Text(IncrementalHash hash, string text) => Blob(hash, Encoding.UTF8.GetBytes(text));

    private static void Blob(IncrementalHash hash, byte[] bytes)
    {
        Count(hash, bytes.Length);
        hash.AppendData(bytes);
    }

    private static void Count(IncrementalHash hash, int count)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, count);
        hash.AppendData(length);
    }
}
