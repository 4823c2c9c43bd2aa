using Replicator.Model;
using Replicator.Planning;

namespace Replicator.Backfill.Live;

/// <summary>
/// What a replicated delete writes on a target while a live copy runs: the key and the reserved
/// attribute <see cref="Attribute"/>, so the copy, which writes only where a target holds nothing
/// for the key, cannot bring the deleted item back. The sweep removes the markers once the copy is
/// done. Items of the source must not have the attribute (the copy refuses one that does).
/// </summary>
public static class DeleteMarker
{
    public const string Attribute = "_replicator_deleted";

    public static bool IsMarker(IReadOnlyDictionary<string, DynamoValue> item) => item.ContainsKey(Attribute);

    /// <summary>The put of a marker in place of <paramref name="delete"/>.</summary>
    internal static WriteAction For(WriteAction delete)
    {
        var item = new Dictionary<string, DynamoValue>(delete.Key.Attributes, StringComparer.Ordinal) { [Attribute] = DynamoValue.Bool(true) };
        return delete with { Kind = WriteKind.Put, Item = item };
    }
}
