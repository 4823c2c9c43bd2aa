using Replicator.Model;

namespace Replicator.MultiActive;

/// <summary>
/// The versions a key's item held in this region during a batch, read from all of its records'
/// images: a write's version must be later than all of them, since the item held them before
/// it, though the write's own record may not show them (a put without the metadata drops it).
/// <see cref="WasMissing"/>: the item was inserted in the batch, so it had been deleted, and the
/// tombstone of that delete is history too.
/// </summary>
internal sealed record History(ItemVersion? Latest, SeenVersions Seen, bool WasMissing)
{
    public static History Of(IEnumerable<ChangeRecord> records, string metadataAttribute)
    {
        ItemVersion? latest = null;
        var seen = SeenVersions.None;
        var missing = false;
        foreach (var record in records)
        {
            missing |= record.Kind == ChangeKind.Insert;
            foreach (var image in new[] { record.OldImage, record.NewImage })
            {
                if (ReplicaMetadata.Read(image, metadataAttribute) is { } metadata)
                {
                    latest = ItemVersion.Max(latest, metadata.Version);
                    seen = seen.Merge(metadata.Seen);
                }
            }
        }

        return new History(latest, seen, missing);
    }
}
