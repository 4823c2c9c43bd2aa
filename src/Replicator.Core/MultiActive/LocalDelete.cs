using Replicator.Applying;
using Replicator.Model;

namespace Replicator.MultiActive;

/// <summary>
/// An application's delete (or TTL's) in this region: given a version, kept as a tombstone here
/// first (so nothing older can come back in from now on), then anything older that came back in
/// before the tombstone is deleted here, and the delete is forwarded. If a newer tombstone
/// stands already, a newer delete won and carries on without this one. A version of an earlier
/// write of this region that is later than this delete's (it learnt of a later version than
/// this delete's record shows) does not stand in its way: this delete came after it here, so
/// it takes a version later still.
/// </summary>
internal sealed class LocalDelete(ReplicaContext context, KeyReplication run, ChangeRecord record, History history)
{
    /// <summary>Each round raises the version past one earlier write; more than this many means the item is too busy to settle now.</summary>
    private const int MaxRounds = 8;

    private ItemVersion? _predecessor = history.Latest;
    private SeenVersions _seen = history.Seen;

    public async Task RunAsync()
    {
        // An item inserted in this batch had been deleted before: that delete's tombstone is history too (see LocalWrite).
        if (history.WasMissing && await run.TombstoneAsync().ConfigureAwait(false) is { } tomb && !Saw(tomb.Seen))
        {
            Rebase(tomb.Version, tomb.Seen);
        }

        for (var round = 0; round < MaxRounds; round++)
        {
            var version = ItemVersion.Next(record.ApproximateCreationTime!.Value, _predecessor, context.Region, record.SequenceNumber);
            var seen = _seen.With(version);
            var stone = new Tombstone(run.Key, version, seen, context.Time.GetUtcNow() + context.Settings.TombstoneRetention);
            var deletion = new Deletion(context, run, version, seen);
            if (await Forwarding.WriteTombstoneAsync(context.Local, run, stone).ConfigureAwait(false) is TableWriteOutcome.ConditionFailed failed)
            {
                if (Tombstone.FromItem(failed.Current) is { } newer && IsEarlierHere(newer.Version))
                {
                    Rebase(newer.Version, newer.Seen);
                    continue;
                }

                // A newer delete stands, and carries on without this one; but an earlier write of this
                // region may still be here, put back after this delete was made, and newer than both.
                if (await deletion.EarlierHereAsync(record.SequenceNumber).ConfigureAwait(false) is { } put)
                {
                    Rebase(put.Version, put.Seen);
                    continue;
                }

                return;
            }

            if (await deletion.RemoveHereAsync(record.SequenceNumber).ConfigureAwait(false) is { } earlier)
            {
                Rebase(earlier.Version, earlier.Seen);
                continue;
            }

            run.Count(new MultiActiveCounts { Versioned = 1 });
            await new Forwarding(context, run).DeleteAsync(stone).ConfigureAwait(false);
            return;
        }

        throw new ReplicaWriteFailed(new Refusal(TargetErrorKind.Retryable, $"{context.Local.Replica} {run.Key}: the item changed {MaxRounds} times while the replicator deleted it; trying again later"));
    }

    private bool IsEarlierHere(ItemVersion version) =>
        version.Region == context.Region && string.CompareOrdinal(version.Sequence, ItemVersion.Padded(record.SequenceNumber)) < 0;

    private bool Saw(SeenVersions seen) =>
        seen.ByRegion.TryGetValue(context.Region, out var latest) && string.CompareOrdinal(latest.Sequence, ItemVersion.Padded(record.SequenceNumber)) >= 0;

    private void Rebase(ItemVersion version, SeenVersions seen)
    {
        _predecessor = ItemVersion.Max(_predecessor, version);
        _seen = _seen.Merge(seen);
    }
}
