namespace Replicator.MultiActive;

/// <summary>
/// One region's table in a multi-active set, with its side tables: tombstones (so deletes stay
/// deleted) and conflicts (every lost write). The side tables are named after the table.
/// </summary>
public sealed record Replica(string Region, string Table, IRegionTables Tables)
{
    public string Tombstones => TombstonesOf(Table);

    public string Conflicts => ConflictsOf(Table);

    public static string TombstonesOf(string table) => $"{table}-replicator-tombstones";

    public static string ConflictsOf(string table) => $"{table}-replicator-conflicts";

    public override string ToString() => $"{Region}:{Table}";
}
