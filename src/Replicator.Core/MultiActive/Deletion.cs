using Replicator.Model;

namespace Replicator.MultiActive;

/// <summary>
/// Deletes an item as the replicator does, so that the REMOVE record it causes is known as its
/// own: first a mark (the delete's version in the metadata, with the delete flag), then a
/// delete conditional on that mark. A record of a delete says nothing else about who made it.
/// </summary>
internal sealed class Deletion(ReplicaContext context, KeyReplication run, ItemVersion version, SeenVersions seen)
{
    /// <summary>
    /// Deletes the item in this region if it is a version older than the delete, as the replicator
    /// wrote it; an item the application wrote since is left alone (its record follows, and its
    /// version is newer than the tombstone). Returns the item's metadata instead if it holds a
    /// later version of an earlier write of this region (one before <paramref name="sequence"/>):
    /// the delete must take a later version to win over it, as it came later here.
    /// </summary>
    public async Task<ReplicaMetadata?> RemoveHereAsync(SequenceNumber sequence)
    {
        var current = await context.Local.ReadAsync(context.Local.Replica.Table, run.Key).ConfigureAwait(false);
        if (current is null || context.MetadataOf(current) is not { } metadata || !context.IsClean(current, metadata))
        {
            return null;
        }

        // Marked with this very delete already: an earlier attempt stopped short of the delete itself.
        if (metadata.Version < version || (metadata.Deleted && metadata.Version == version))
        {
            if (metadata.Version.Region != context.Region)
            {
                await FlagUnsettledAsync(context.Local).ConfigureAwait(false);
            }

            await MarkAndDeleteAsync(context.Local, Condition.Equal(context.Version, ReplicaContext.Text(metadata.Version))).ConfigureAwait(false);
            return null;
        }

        if (metadata.Version.Region == context.Region)
        {
            return IsEarlierHere(metadata, sequence) ? metadata : null;
        }

        if (version.Region == context.Region && Conflict.IsConcurrent(version, metadata.Seen))
        {
            // This region's delete, beaten here by a newer write of another region that had not
            // seen it: that write got in before the delete's tombstone (so no insert check stopped
            // it, and its record was checked before the tombstone stood). The delete lost, and
            // this region, its home, records it.
            await run.RecordAsync(run.Side(metadata, current), new ConflictSide(version, null)).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>The item's metadata, if it holds a version of an earlier write of this region (one before <paramref name="sequence"/>) later than the delete's.</summary>
    public async Task<ReplicaMetadata?> EarlierHereAsync(SequenceNumber sequence)
    {
        var current = await context.Local.ReadAsync(context.Local.Replica.Table, run.Key).ConfigureAwait(false);
        return current is not null && context.MetadataOf(current) is { } metadata && context.IsClean(current, metadata)
            && metadata.Version >= version && IsEarlierHere(metadata, sequence)
            ? metadata
            : null;
    }

    private bool IsEarlierHere(ReplicaMetadata metadata, SequenceNumber sequence) =>
        metadata.Version.Region == context.Region && string.CompareOrdinal(metadata.Version.Sequence, ItemVersion.Padded(sequence)) < 0;

    /// <summary>
    /// Deletes the item in another region if it is older than the delete; false if it is newer
    /// (the delete is stale there). An item without a version is older than any, and deleted too,
    /// but the tombstone says so first (<see cref="Tombstone.RemovedUnsettled"/>): it may be
    /// an application's write not yet versioned there, which may turn out newer.
    /// </summary>
    public async Task<bool> RemoveThereAsync(PatientTables peer)
    {
        var marked = await MarkAsync(peer, Condition.Less(context.Version, ReplicaContext.Text(version))).ConfigureAwait(false);
        if (marked is TableWriteOutcome.ConditionFailed { Current: { } current } && context.MetadataOf(current) is null)
        {
            await FlagUnsettledAsync(peer).ConfigureAwait(false);
            marked = await MarkAsync(peer, Condition.Missing(context.Version)).ConfigureAwait(false);
        }

        return await DeleteMarkedAsync(peer, marked).ConfigureAwait(false);
    }

    /// <summary>Says in the tombstone that this delete removes an item that may be, or have displaced, a write not versioned yet (<see cref="Tombstone.RemovedUnsettled"/>).</summary>
    private Task<TableWriteOutcome> FlagUnsettledAsync(PatientTables tables) =>
        tables.WriteAsync(new TableWrite.Set(
            tables.Replica.Tombstones, run.TombstoneItemKey, Tombstone.UnsettledAttribute, DynamoValue.True,
            Condition.Equal(new AttributePath(Tombstone.VersionAttribute), ReplicaContext.Text(version))));

    private async Task<bool> MarkAndDeleteAsync(PatientTables tables, Condition older) =>
        await DeleteMarkedAsync(tables, await MarkAsync(tables, older).ConfigureAwait(false)).ConfigureAwait(false);

    private Task<TableWriteOutcome> MarkAsync(PatientTables tables, Condition older)
    {
        var mark = new ReplicaMetadata(version, seen, null, tables.Region, Deleted: true);
        return tables.WriteAsync(new TableWrite.Set(tables.Replica.Table, run.Key, context.Metadata, mark.ToValue(), Condition.Exists(run.Exists).And(older)));
    }

    /// <summary>Deletes the item if <paramref name="marked"/> left this delete's mark on it (now, or an earlier attempt that stopped short of the delete); false if a newer version stands.</summary>
    private async Task<bool> DeleteMarkedAsync(PatientTables tables, TableWriteOutcome marked)
    {
        switch (marked)
        {
            case TableWriteOutcome.ConditionFailed { Current: null }:
                return true;
            case TableWriteOutcome.ConditionFailed failed when ReplicaMetadata.Read(failed.Current, context.Metadata) is not { Deleted: true } standing
                || standing.Version != version || standing.WrittenIn != tables.Region:
                // Newer; or a copy the application made of another region's mark (its own write, to be versioned in turn).
                return false;
        }

        var deleted = await tables.WriteAsync(new TableWrite.Delete(tables.Replica.Table, run.Key, Condition.Equal(context.Version, ReplicaContext.Text(version)))).ConfigureAwait(false);
        return deleted is TableWriteOutcome.Written || deleted is TableWriteOutcome.ConditionFailed { Current: null };
    }
}
