using System.Buffers.Text;

namespace Replicator.StandIn;

/// <summary>
/// The items of every table the stand-in serves, made on demand from their number, so a table of
/// any size costs no memory: item <c>i</c> has the key <c>pk = "item#" + i</c> (ten digits) and
/// attributes of every common type, with a payload that makes its DynamoDB size (names plus values,
/// as DynamoDB counts it for capacity) <see cref="ItemBytes"/>. Its JSON is a template with the
/// number and the version written into it.
/// </summary>
internal sealed class GeneratedItems
{
    public const string KeyAttribute = "pk";
    private const string KeyPrefix = "item#";
    private const int KeyDigits = 10;

    private readonly byte[] _beforeKey = """{"pk":{"S":"item#"""u8.ToArray();
    private readonly byte[] _beforeVersion = "\"},\"version\":{\"N\":\""u8.ToArray();
    private readonly byte[] _rest;

    public GeneratedItems(long count, int itemBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Count = count;
        ItemBytes = itemBytes;

        // DynamoDB's size of the fixed part: the names, the key (15), the version (about 1 for a
        // small number), name (24), active (1), score (5), the tags' three letters.
        const string name = "generated-item-for-bench";
        var fixedBytes = "pk".Length + "version".Length + "name".Length + "active".Length + "score".Length + "tags".Length + "payload".Length
            + KeyPrefix.Length + KeyDigits + 1 + name.Length + 1 + 5 + 3;
        var payload = Math.Max(1, itemBytes - fixedBytes);
        _rest = System.Text.Encoding.UTF8.GetBytes(
            "\"},\"name\":{\"S\":\"" + name + "\"},\"active\":{\"BOOL\":true},\"score\":{\"N\":\"123.5\"},\"tags\":{\"SS\":[\"a\",\"b\",\"c\"]},\"payload\":{\"S\":\""
            + new string('x', payload) + "\"}}");
    }

    public long Count { get; }

    public int ItemBytes { get; }

    /// <summary>The most bytes one item's JSON takes (a version of up to 19 digits).</summary>
    public int MaxJsonBytes => _beforeKey.Length + KeyDigits + _beforeVersion.Length + 19 + _rest.Length;

    /// <summary>Writes item <paramref name="index"/> at <paramref name="version"/> into <paramref name="into"/>; returns the bytes written.</summary>
    public int Write(long index, long version, Span<byte> into)
    {
        var at = Copy(_beforeKey, into, 0);
        Digits(index, into[at..]);
        at += KeyDigits;
        at = Copy(_beforeVersion, into, at);
        Utf8Formatter.TryFormat(version, into[at..], out var written);
        at += written;
        return Copy(_rest, into, at);
    }

    /// <summary>Writes the key of item <paramref name="index"/>, <c>{"pk":{"S":"item#0000000042"}}</c>.</summary>
    public int WriteKey(long index, Span<byte> into)
    {
        var at = Copy(_beforeKey, into, 0);
        Digits(index, into[at..]);
        at += KeyDigits;
        return Copy("\"}}"u8, into, at);
    }

    /// <summary>The number in a key's text (<c>item#0000000042</c>), or -1 when it is not one of ours.</summary>
    public static long IndexOf(string? key) =>
        key is { Length: KeyDigits + 5 } && key.StartsWith(KeyPrefix, StringComparison.Ordinal) && long.TryParse(key.AsSpan(KeyPrefix.Length), out var index) ? index : -1;

    public bool Holds(long index) => index >= 0 && index < Count;

    private static void Digits(long value, Span<byte> into)
    {
        for (var i = KeyDigits - 1; i >= 0; i--)
        {
            into[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }

    private static int Copy(ReadOnlySpan<byte> what, Span<byte> into, int at)
    {
        what.CopyTo(into[at..]);
        return at + what.Length;
    }
}
