using Replicator.Model;

namespace Replicator.MultiActive;

/// <summary>
/// Writes a version of this region to every other region, guarded so that it lands only where
/// it is newer: over an item with an older version (or none, an item from before the table
/// joined), or into a missing item in one transaction with a check that no newer tombstone
/// stands. A stale or repeated delivery fails its condition and is counted, never retried.
/// </summary>
internal sealed class Forwarding(ReplicaContext context, KeyReplication run)
{
    /// <summary>An item that appears and disappears between tries more often than this is left for the batch's retry.</summary>
    private const int MaxRounds = 4;

    public static Condition NoNewerTombstone(ItemVersion version) =>
        Condition.Missing(new AttributePath(Tombstone.KeyAttribute)).Or(Condition.Less(new AttributePath(Tombstone.VersionAttribute), ReplicaContext.Text(version)));

    public Task PutAsync(IReadOnlyDictionary<string, DynamoValue> item, ReplicaMetadata metadata, bool insert) =>
        Task.WhenAll(context.Peers.Select(peer => PutAsync(peer, context.WithMetadata(item, metadata.WrittenTo(peer.Region)), metadata.Version, insert)));

    public Task DeleteAsync(Tombstone stone) =>
        Task.WhenAll(context.Peers.Select(peer => DeleteAsync(peer, stone)));

    /// <summary>
    /// Keeps <paramref name="stone"/> unless it or a newer one stands already. The same one again
    /// (a replay) counts as written, and is left as it is, so that what the delete said of what it
    /// removed (<see cref="Tombstone.RemovedUnsettled"/>) is not lost.
    /// </summary>
    public static async Task<TableWriteOutcome> WriteTombstoneAsync(PatientTables tables, KeyReplication run, Tombstone stone)
    {
        var outcome = await tables.WriteAsync(new TableWrite.Put(
            tables.Replica.Tombstones, run.TombstoneItemKey, stone.ToItem(),
            Condition.Missing(new AttributePath(Tombstone.KeyAttribute)).Or(Condition.Less(new AttributePath(Tombstone.VersionAttribute), ReplicaContext.Text(stone.Version))))).ConfigureAwait(false);
        return outcome is TableWriteOutcome.ConditionFailed failed && Tombstone.FromItem(failed.Current)?.Version == stone.Version
            ? new TableWriteOutcome.Written(null)
            : outcome;
    }

    private async Task PutAsync(PatientTables peer, IReadOnlyDictionary<string, DynamoValue> item, ItemVersion version, bool insert)
    {
        var table = peer.Replica.Table;
        for (var round = 0; round < MaxRounds; round++, insert = !insert)
        {
            if (insert)
            {
                var outcome = await peer.TransactAsync(
                [
                    new TableWrite.Check(peer.Replica.Tombstones, run.TombstoneItemKey, NoNewerTombstone(version)),
                    new TableWrite.Put(table, run.Key, item, Condition.Missing(run.Exists)),
                ]).ConfigureAwait(false);
                switch (outcome)
                {
                    case TransactionOutcome.Written:
                        run.Count(new MultiActiveCounts { Forwarded = 1 });
                        return;
                    case TransactionOutcome.Cancelled cancelled when cancelled.FailedConditions.Contains(0):
                        run.Count(new MultiActiveCounts { Stale = 1 });
                        return;
                }

                continue;
            }

            var newer = Condition.Missing(context.Version).Or(Condition.Less(context.Version, ReplicaContext.Text(version)));
            switch (await peer.WriteAsync(new TableWrite.Put(table, run.Key, item, Condition.Exists(run.Exists).And(newer))).ConfigureAwait(false))
            {
                case TableWriteOutcome.Written:
                    run.Count(new MultiActiveCounts { Forwarded = 1 });
                    return;
                case TableWriteOutcome.ConditionFailed { Current: { } current }:
                    run.Count(ReplicaMetadata.Read(current, context.Metadata)?.Version == version ? new MultiActiveCounts { Duplicates = 1 } : new MultiActiveCounts { Stale = 1 });
                    return;
            }
        }

        throw new ReplicaWriteFailed(new Applying.Refusal(Applying.TargetErrorKind.Retryable, $"{peer.Replica} {run.Key}: the item kept appearing and disappearing while the replicator wrote it; trying again later"));
    }

    private async Task DeleteAsync(PatientTables peer, Tombstone stone)
    {
        if (await WriteTombstoneAsync(peer, run, stone).ConfigureAwait(false) is not TableWriteOutcome.Written)
        {
            run.Count(new MultiActiveCounts { Stale = 1 });
            return;
        }

        var removed = await new Deletion(context, run, stone.Version, stone.Seen).RemoveThereAsync(peer).ConfigureAwait(false);
        run.Count(removed ? new MultiActiveCounts { Forwarded = 1 } : new MultiActiveCounts { Stale = 1 });
    }
}
