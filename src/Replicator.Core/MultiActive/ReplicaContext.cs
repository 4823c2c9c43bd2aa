using Replicator.Model;

namespace Replicator.MultiActive;

/// <summary>Everything one key's run needs: this region's tables, the others', the settings, the clock.</summary>
internal sealed record ReplicaContext(PatientTables Local, IReadOnlyList<PatientTables> Peers, MultiActiveSettings Settings, TimeProvider Time)
{
    public string Region => Local.Region;

    public string Metadata => Settings.MetadataAttribute;

    public ReplicaMetadata? MetadataOf(IReadOnlyDictionary<string, DynamoValue>? item) => ReplicaMetadata.Read(item, Metadata);

    public bool IsClean(IReadOnlyDictionary<string, DynamoValue> item, ReplicaMetadata? metadata) => RecordOrigins.IsClean(item, metadata, Region, Metadata);

    public string Digest(IReadOnlyDictionary<string, DynamoValue> item) => ItemDigest.Of(item, Metadata);

    /// <summary>The item's own attributes, without the metadata (an image from the stream stays its bytes).</summary>
    public IReadOnlyDictionary<string, DynamoValue> DataOf(IReadOnlyDictionary<string, DynamoValue> item) => EditedImage.With(item, Metadata, null);

    public IReadOnlyDictionary<string, DynamoValue> WithMetadata(IReadOnlyDictionary<string, DynamoValue> item, ReplicaMetadata metadata) =>
        EditedImage.With(item, Metadata, metadata.ToValue());

    public AttributePath Version => new(Metadata, ReplicaMetadata.VersionField);

    public static DynamoValue Text(ItemVersion version) => DynamoValue.String(version.Text);
}
