using Replicator.Model;

namespace Replicator.MultiActive;

/// <summary>
/// What the replicator keeps on each item in multi-active mode, in one reserved map attribute
/// (<see cref="MultiActiveSettings.MetadataAttribute"/>): the item's version, the versions its
/// write had seen, the digest of the data it was written with, the region whose table this copy
/// was written to, and, on the way to a delete, the delete mark. The replicator alone writes it;
/// an application may copy it along (read-modify-write, or from one region into another), which
/// is why a record is never taken as the replicator's own for merely carrying it.
/// </summary>
public sealed record ReplicaMetadata(ItemVersion Version, SeenVersions Seen, string? Digest, string WrittenIn, bool Deleted = false)
{
    public const string VersionField = "v";
    public const string SeenField = "seen";
    public const string DigestField = "digest";
    public const string WrittenInField = "in";
    public const string DeletedField = "deleted";

    /// <summary>The same version, as written to another region's table.</summary>
    public ReplicaMetadata WrittenTo(string region) => this with { WrittenIn = region };

    public DynamoValue ToValue()
    {
        var map = new Dictionary<string, DynamoValue>(StringComparer.Ordinal)
        {
            [VersionField] = DynamoValue.String(Version.Text),
            [SeenField] = Seen.ToValue(),
            [WrittenInField] = DynamoValue.String(WrittenIn),
        };
        if (Digest is not null)
        {
            map[DigestField] = DynamoValue.String(Digest);
        }

        if (Deleted)
        {
            map[DeletedField] = DynamoValue.True;
        }

        return DynamoValue.Map(map);
    }

    /// <summary>The metadata on <paramref name="item"/>, or null when it has none or none that reads as ours.</summary>
    public static ReplicaMetadata? Read(IReadOnlyDictionary<string, DynamoValue>? item, string attribute) =>
        item is not null && item.TryGetValue(attribute, out var value) ? Read(value) : null;

    public static ReplicaMetadata? Read(DynamoValue value)
    {
        if (value.Type != DynamoType.M)
        {
            return null;
        }

        var map = value.AsMap();
        if (!TryString(map, VersionField, out var text) || !ItemVersion.TryParse(text, out var version)
            || !TryString(map, WrittenInField, out var writtenIn))
        {
            return null;
        }

        var seen = SeenVersions.Read(map.GetValueOrDefault(SeenField), version);
        TryString(map, DigestField, out var digest);
        var deleted = map.TryGetValue(DeletedField, out var mark) && mark.Type == DynamoType.BOOL && mark.AsBool();
        return new ReplicaMetadata(version, seen, digest, writtenIn!, deleted);
    }

    private static bool TryString(IReadOnlyDictionary<string, DynamoValue> map, string field, out string? text)
    {
        text = map.TryGetValue(field, out var value) && value.Type == DynamoType.S ? value.AsString() : null;
        return text is not null;
    }
}
