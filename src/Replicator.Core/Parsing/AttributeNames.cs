using System.Text;
using System.Text.Json;

namespace Replicator.Parsing;

/// <summary>
/// Attribute names repeat from item to item (a table's items share most of theirs), so reading
/// each occurrence as a new string would copy the same few names thousands of times a batch.
/// Short ASCII names are looked up in a small table keyed by their UTF-8 bytes and shared. The
/// table only caches: a name it does not hold (or lost to another in its slot) is read as a new
/// string, equal either way, so sharing it between threads needs no lock.
/// </summary>
internal static class AttributeNames
{
    /// <summary>Slots in the table (a power of two).</summary>
    private const int Slots = 4096;

    /// <summary>Longer names are read as they come.</summary>
    private const int MaxCachedLength = 64;

    private static readonly string?[] Table = new string?[Slots];

    /// <summary>The property name <paramref name="reader"/> is on.</summary>
    public static string Read(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped || reader.HasValueSequence || reader.ValueSpan.Length > MaxCachedLength)
        {
            return reader.GetString()!;
        }

        var utf8 = reader.ValueSpan;
        var hash = new HashCode();
        hash.AddBytes(utf8);
        var slot = hash.ToHashCode() & (Slots - 1);
        var cached = Table[slot];
        if (cached is not null && Ascii.Equals(utf8, cached))
        {
            return cached;
        }

        var name = reader.GetString()!;
        if (Ascii.IsValid(utf8))
        {
            Table[slot] = name;
        }

        return name;
    }
}
