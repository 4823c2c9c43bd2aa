namespace Replicator.MultiActive;

/// <summary>What multi-active replication needs to know beyond one-way's settings, validated by the host at start-up.</summary>
public sealed record MultiActiveSettings
{
    /// <summary>The reserved map attribute the replicator keeps its metadata in; the application must not write it.</summary>
    public string MetadataAttribute { get; init; } = ReplicationOptions.DefaultMetadataAttribute;

    /// <summary>How long a delete's tombstone is kept: longer than any record can be replayed late.</summary>
    public TimeSpan TombstoneRetention { get; init; } = ReplicationOptions.DefaultTombstoneRetention;

    /// <summary>How long a conflict stays listable.</summary>
    public TimeSpan ConflictRetention { get; init; } = ReplicationOptions.DefaultConflictRetention;

    /// <summary>
    /// Keys whose changes are applied at once. Each key's writes follow one another (a stamp,
    /// then its forwards), so the batch's round trips are its keys divided by this, times a key's.
    /// </summary>
    public int MaxConcurrentKeys { get; init; } = ReplicationOptions.DefaultMaxConcurrentKeys;

    /// <summary>Null when valid, else what is wrong, naming the option.</summary>
    public string? Problem()
    {
        if (string.IsNullOrWhiteSpace(MetadataAttribute) || MetadataAttribute.Length > 255)
        {
            return $"--metadata-attribute must be an attribute name of 1 to 255 characters, not '{MetadataAttribute}'";
        }

        return TombstoneRetention < ReplicationOptions.MinTombstoneRetention
            ? $"--tombstone-retention must be at least {ReplicationOptions.MinTombstoneRetention.TotalHours:0} hours (the stream keeps records {ReplicationOptions.StreamRetention.TotalHours:0} hours, and a tombstone must outlive every record that could bring its item back), not {TombstoneRetention}"
            : null;
    }
}
