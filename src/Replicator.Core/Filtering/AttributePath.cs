using Replicator.Model;
using Item = System.Collections.Generic.IReadOnlyDictionary<string, Replicator.Model.DynamoValue>;

namespace Replicator.Filtering;

/// <summary>
/// An attribute of an item, or a field of a map attribute (<c>address.city</c>): a filter reads
/// values at paths. Only map fields are steps; a path through anything else finds nothing.
/// </summary>
public sealed record AttributePath(IReadOnlyList<string> Names)
{
    /// <summary>The top-level attribute the path starts at.</summary>
    public string Attribute => Names[0];

    public bool IsNested => Names.Count > 1;

    /// <summary>The value at this path in <paramref name="item"/>, or null when there is none.</summary>
    public DynamoValue? Find(Item item)
    {
        if (!item.TryGetValue(Names[0], out var value))
        {
            return null;
        }

        for (var i = 1; i < Names.Count; i++)
        {
            if (value.Type != DynamoType.M || !value.AsMap().TryGetValue(Names[i], out value))
            {
                return null;
            }
        }

        return value;
    }

    /// <summary>Paths are equal when their names are (a record would compare the lists by reference).</summary>
    public bool Equals(AttributePath? other) => other is not null && Names.SequenceEqual(other.Names, StringComparer.Ordinal);

    public override int GetHashCode() => Names.Aggregate(0, (hash, name) => HashCode.Combine(hash, name.GetHashCode(StringComparison.Ordinal)));

    public override string ToString() => string.Join('.', Names.Select(Quoted));

    /// <summary>Backticks for a name that is not plain, and for a keyword: printed bare, <c>not = "x"</c> would parse as a <c>not</c>.</summary>
    private static string Quoted(string name) => FilterLexer.IsPlainName(name) && !Keywords.Contains(name) ? name : $"`{name}`";

    private static readonly HashSet<string> Keywords = new(["and", "or", "not", "true", "false"], StringComparer.OrdinalIgnoreCase);
}
