using Replicator.Model;

namespace Replicator.MultiActive;

/// <summary>
/// The tombstone an insert of this region was versioned after, kept beside the tombstones (under
/// the key's text and <c>#insert</c>) from the insert's first processing on. An insert's version
/// must be later than the delete before it, whose tombstone is read when the insert is
/// processed; but a replay of the insert may find a later tombstone there (the item was deleted
/// again since), and must not take that for the one before it, or the insert would come back
/// over the later delete. With the pin, a replay versions the insert exactly as the first time,
/// and a record older than the last insert processed is known to be done.
/// </summary>
internal sealed record InsertPin(string Sequence, ItemVersion? Version, SeenVersions Seen)
{
    private const string SequenceAttribute = "insertSequence";

    public static ItemKey KeyOf(ItemKey key) => new(new Dictionary<string, DynamoValue> { [Tombstone.KeyAttribute] = DynamoValue.String(key.Text + "#insert") });

    public IReadOnlyDictionary<string, DynamoValue> ToItem(ItemKey key, DateTimeOffset expires)
    {
        var item = new Dictionary<string, DynamoValue>
        {
            [Tombstone.KeyAttribute] = DynamoValue.String(key.Text + "#insert"),
            [SequenceAttribute] = DynamoValue.String(Sequence),
            [Tombstone.SeenAttribute] = Seen.ToValue(),
            [Tombstone.ExpiresAttribute] = DynamoValue.Number(expires.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        if (Version is { } version)
        {
            item[Tombstone.VersionAttribute] = DynamoValue.String(version.Text);
        }

        return item;
    }

    /// <summary>Only a later insert's pin replaces this one.</summary>
    public Condition Newer() =>
        Condition.Missing(new AttributePath(SequenceAttribute)).Or(Condition.Less(new AttributePath(SequenceAttribute), DynamoValue.String(Sequence)));

    public static InsertPin? FromItem(IReadOnlyDictionary<string, DynamoValue>? item)
    {
        if (item is null || !item.TryGetValue(SequenceAttribute, out var sequence) || sequence.Type != DynamoType.S)
        {
            return null;
        }

        ItemVersion? version = item.TryGetValue(Tombstone.VersionAttribute, out var text) && text.Type == DynamoType.S && ItemVersion.TryParse(text.AsString(), out var parsed) ? parsed : null;
        return new InsertPin(sequence.AsString(), version, version is { } own ? SeenVersions.Read(item.GetValueOrDefault(Tombstone.SeenAttribute), own) : SeenVersions.None);
    }
}
