using Replicator.Model;

namespace Replicator.MultiActive;

/// <summary>Who made the change a stream record shows.</summary>
public enum RecordOrigin : byte
{
    /// <summary>Old and new images are the same: a write that changed nothing (moto writes such records; AWS does not).</summary>
    Unchanged,

    /// <summary>The replicator: a version stamped, put back or replicated into this table, or a delete mark. Never forwarded.</summary>
    Replicator,

    /// <summary>The application (or TTL): to be versioned here and forwarded to every other region.</summary>
    Application,
}

/// <summary>
/// Tells the replicator's own writes from the application's by the record itself: a write is
/// the replicator's when its new image carries metadata written to this region's table, newer
/// than the old image's, whose digest matches the new image's data (a delete: when the old
/// image carries this region's delete mark). An application that copies the metadata along but
/// changes the data fails the digest; one that carries it from another region's table fails the
/// region. An exact copy of an item, data and metadata, is that version of the item.
/// </summary>
public static class RecordOrigins
{
    public static RecordOrigin Of(ChangeRecord record, string region, string metadataAttribute)
    {
        if (record.Kind == ChangeKind.Remove)
        {
            return ReplicaMetadata.Read(record.OldImage, metadataAttribute) is { Deleted: true } mark && mark.WrittenIn == region
                ? RecordOrigin.Replicator
                : RecordOrigin.Application;
        }

        if (record.OldImage is { } old && record.NewImage is { } now && DynamoValue.MapsEqual(old, now))
        {
            return RecordOrigin.Unchanged;
        }

        if (ReplicaMetadata.Read(record.NewImage, metadataAttribute) is not { } written || written.WrittenIn != region)
        {
            return RecordOrigin.Application;
        }

        if (ReplicaMetadata.Read(record.OldImage, metadataAttribute) is { } before && before.Version >= written.Version)
        {
            return RecordOrigin.Application;
        }

        return written.Deleted || written.Digest == ItemDigest.Of(record.NewImage!, metadataAttribute) || IsStampOnClean(record, region, metadataAttribute)
            ? RecordOrigin.Replicator
            : RecordOrigin.Application;
    }

    /// <summary>
    /// A stamp (the metadata alone changed) that landed on a clean version, not on the write it
    /// versions: that version came back after the write (a forward delivered again over a later
    /// write without metadata, so the stamp's condition held again), and the replicator put its
    /// write back over the stamp. The digest is wrong, but the data is no application's write
    /// (a stamp on data the application wrote since, over no version or a dirty one, stays the
    /// application's: versioned again with this record, it is told apart from the write before).
    /// </summary>
    private static bool IsStampOnClean(ChangeRecord record, string region, string metadataAttribute) =>
        record.OldImage is { } old && ReplicaMetadata.Read(old, metadataAttribute) is { Deleted: false } before && IsClean(old, before, region, metadataAttribute)
        && ItemDigest.Of(old, metadataAttribute) == ItemDigest.Of(record.NewImage!, metadataAttribute);

    /// <summary>
    /// True when <paramref name="image"/> is a version as the replicator wrote it to
    /// <paramref name="region"/>'s table: its metadata says so and its data is what the metadata's
    /// digest says (or it is a delete mark).
    /// </summary>
    public static bool IsClean(IReadOnlyDictionary<string, DynamoValue> image, ReplicaMetadata? metadata, string region, string metadataAttribute) =>
        metadata is not null && metadata.WrittenIn == region && (metadata.Deleted || metadata.Digest == ItemDigest.Of(image, metadataAttribute));
}
