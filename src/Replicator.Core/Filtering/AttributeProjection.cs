using Replicator.Model;
using Item = System.Collections.Generic.IReadOnlyDictionary<string, Replicator.Model.DynamoValue>;

namespace Replicator.Filtering;

/// <summary>
/// Which attributes of an item replicate: only those named (<see cref="Include"/>), or all but
/// those named (<see cref="Exclude"/>). The item's key attributes are always kept. Names are
/// top-level attributes only: a nested path (<c>a.b</c>) is refused by <see cref="ParseList"/>
/// rather than half-honoured, since a copy of part of a map cannot be told from a changed map.
/// </summary>
public sealed class AttributeProjection
{
    private readonly HashSet<string> _names;

    private AttributeProjection(bool include, IEnumerable<string> names)
    {
        IsInclude = include;
        _names = new HashSet<string>(names, StringComparer.Ordinal);
    }

    /// <summary>True: keep only <see cref="Names"/> (and the key); false: drop <see cref="Names"/> (never the key).</summary>
    public bool IsInclude { get; }

    public IReadOnlyCollection<string> Names => _names;

    public static AttributeProjection Include(IEnumerable<string> names) => new(true, names);

    public static AttributeProjection Exclude(IEnumerable<string> names) => new(false, names);

    /// <summary>
    /// A comma-separated list of attribute names, e.g. <c>name,email,status</c>. Throws
    /// <see cref="FormatException"/> saying what is wrong: an empty list or name, a name given
    /// twice, a nested path.
    /// </summary>
    public static IReadOnlyList<string> ParseList(string text)
    {
        var names = text.Split(',', StringSplitOptions.TrimEntries);
        if (names.All(name => name.Length == 0))
        {
            throw new FormatException("no attribute named; expected attribute names separated by commas, e.g. name,email,status");
        }

        foreach (var name in names)
        {
            if (name.Length == 0)
            {
                throw new FormatException($"'{text}' has an empty name between commas; expected attribute names separated by commas, e.g. name,email,status");
            }

            if (name.Contains('.', StringComparison.Ordinal) || name.Contains('[', StringComparison.Ordinal))
            {
                throw new FormatException($"'{name}' is a nested path; only top-level attributes can be included or excluded (name the whole attribute, '{name.Split('.', '[')[0]}')");
            }
        }

        return names.GroupBy(name => name, StringComparer.Ordinal).FirstOrDefault(group => group.Count() > 1) is { } twice
            ? throw new FormatException($"'{twice.Key}' is named twice")
            : names;
    }

    /// <summary>Whether the attribute <paramref name="name"/> is copied (key attributes always are).</summary>
    public bool Keeps(string name, ItemKey key) => key.Attributes.ContainsKey(name) || _names.Contains(name) == IsInclude;

    /// <summary><paramref name="item"/> with only the attributes this projection keeps: a new item, or the same one when it keeps them all.</summary>
    public Item Apply(Item item, ItemKey key)
    {
        if (item.Keys.All(name => Keeps(name, key)))
        {
            // Nothing to drop: the image as it came (bytes stay bytes for the writer).
            return item;
        }

        var kept = new Dictionary<string, DynamoValue>(StringComparer.Ordinal);
        foreach (var (name, value) in item)
        {
            if (Keeps(name, key))
            {
                kept[name] = value;
            }
        }

        return kept;
    }

    /// <summary>Names in ordinal order, so that one projection prints one way (a backfill checkpoint compares it).</summary>
    public override string ToString() => $"{(IsInclude ? "include" : "exclude")} {string.Join(',', _names.Order(StringComparer.Ordinal))}";
}
