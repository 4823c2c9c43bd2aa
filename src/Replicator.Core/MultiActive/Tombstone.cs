using System.Globalization;
using Replicator.Model;

namespace Replicator.MultiActive;

/// <summary>
/// The version of a delete, kept in the region's tombstone table after the item is gone, so that
/// a late, replayed or concurrent older write cannot bring the item back: a write into a missing
/// item is made in one transaction with a check that no newer tombstone stands. Kept until
/// <see cref="Expires"/> (DynamoDB's TTL removes it some time after).
/// </summary>
public sealed record Tombstone(ItemKey Key, ItemVersion Version, SeenVersions Seen, DateTimeOffset Expires)
{
    /// <summary>
    /// Set when the delete removed an item here that may be, or may have displaced, an
    /// application's write not yet versioned: an item without a version (removed by another
    /// region's delete), or another region's older version (removed by this region's delete as
    /// it cleaned up). That write's own record then decides which of the two is newer; without
    /// the flag, a delete that this write had seen, or one of this region's from before it, did
    /// not remove it (a later delete of this region's did).
    /// </summary>
    public bool RemovedUnsettled { get; init; }

    public const string UnsettledAttribute = "removedUnsettled";

    /// <summary>The tombstone table's partition key: the item's key as one canonical string.</summary>
    public const string KeyAttribute = "key";
    public const string ItemAttribute = "item";
    public const string VersionAttribute = "v";
    public const string SeenAttribute = "seen";

    /// <summary>The TTL attribute (epoch seconds).</summary>
    public const string ExpiresAttribute = "expires";

    public static ItemKey KeyOf(ItemKey key) => new(new Dictionary<string, DynamoValue> { [KeyAttribute] = DynamoValue.String(key.Text) });

    public IReadOnlyDictionary<string, DynamoValue> ToItem() => new Dictionary<string, DynamoValue>
    {
        [KeyAttribute] = DynamoValue.String(Key.Text),
        [ItemAttribute] = DynamoValue.Map(Key.Attributes),
        [VersionAttribute] = DynamoValue.String(Version.Text),
        [SeenAttribute] = Seen.ToValue(),
        [ExpiresAttribute] = DynamoValue.Number(Expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
    };

    /// <summary>A tombstone table's item, or null if it does not read as one.</summary>
    public static Tombstone? FromItem(IReadOnlyDictionary<string, DynamoValue>? item)
    {
        if (item is null
            || !item.TryGetValue(ItemAttribute, out var key) || key.Type != DynamoType.M
            || !item.TryGetValue(VersionAttribute, out var text) || text.Type != DynamoType.S || !ItemVersion.TryParse(text.AsString(), out var version))
        {
            return null;
        }

        var seen = SeenVersions.Read(item.GetValueOrDefault(SeenAttribute), version);
        var expires = item.TryGetValue(ExpiresAttribute, out var at) && at.Type == DynamoType.N && long.TryParse(at.AsNumber(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.MaxValue;
        var unversioned = item.TryGetValue(UnsettledAttribute, out var flag) && flag.Type == DynamoType.BOOL && flag.AsBool();
        return new Tombstone(new ItemKey(key.AsMap()), version, seen, expires) { RemovedUnsettled = unversioned };
    }
}
