namespace Replicator.Applying;

/// <summary>A table as the user gave it, and the table that turned out to be.</summary>
public sealed record ResolvedTable(TargetTable Given, TableIdentity Identity);

/// <summary>
/// The one check every host makes of where it replicates, on resolved identities (not on how the
/// tables were spelled): no target is the source (replicating a table into itself writes older
/// images over newer application writes, for ever), and no table is a target twice.
/// </summary>
public static class Topology
{
    /// <summary>Throws <see cref="TopologyException"/> naming the tables as given and the table they are.</summary>
    public static void Check(ResolvedTable source, IReadOnlyList<ResolvedTable> targets)
    {
        if (targets.FirstOrDefault(target => target.Identity == source.Identity) is { } itself)
        {
            var why = itself.Given == source.Given ? "" : $" ({source.Given}, {source.Identity})";
            throw new TopologyException($"{itself.Given} is the source table{why}; a table cannot replicate to itself.");
        }

        if (targets.GroupBy(target => target.Identity).FirstOrDefault(group => group.Count() > 1) is { } twice)
        {
            var spellings = twice.Select(target => target.Given.ToString()).Distinct(StringComparer.Ordinal).ToList();
            throw new TopologyException(spellings.Count == 1
                ? $"{spellings[0]} is given twice."
                : $"{string.Join(" and ", spellings)} are the same table ({twice.Key}); give each table once.");
        }
    }
}

/// <summary>The targets include the source, or one table twice; the message names them.</summary>
public sealed class TopologyException(string message) : Exception(message);
