using Replicator.Applying;
using Replicator.Model;

namespace Replicator.MultiActive;

/// <summary>
/// An application's put or update in this region: given a version here (stamped onto the item
/// with a write that touches only the metadata, and only if the item is as the record left it),
/// then forwarded. If the item changed before the stamp landed, what changed it decides: the
/// application (its own record follows, so nothing is done now), a newer version (this write
/// lost), an older one from another region that got in first (this write is put back over it),
/// or a delete from another region (the newer of the two stands).
/// </summary>
internal sealed class LocalWrite(ReplicaContext context, KeyReplication run, ChangeRecord record)
{
    /// <summary>Each round answers one change that came between; more than this many means the item is too busy to settle now.</summary>
    private const int MaxRounds = 8;

    private readonly IReadOnlyDictionary<string, DynamoValue> _data = context.DataOf(record.NewImage!);
    private ReplicaMetadata _metadata = null!;
    private string _digest = "";
    private ItemVersion? _predecessor;

    private string Table => context.Local.Replica.Table;

    private ItemVersion Version => _metadata.Version;

    public async Task RunAsync()
    {
        var before = context.MetadataOf(record.OldImage);
        var carried = context.MetadataOf(record.NewImage);
        var tomb = record.OldImage is null ? await run.TombstoneAsync().ConfigureAwait(false) : null;
        _predecessor = ItemVersion.Max(ItemVersion.Max(before?.Version, carried?.Version), tomb?.Version);
        var seen = (before?.Seen ?? SeenVersions.None).Merge(carried?.Seen).Merge(tomb?.Seen);
        var version = ItemVersion.Next(record.ApproximateCreationTime!.Value, _predecessor, context.Region, record.SequenceNumber);
        _digest = context.Digest(_data);
        _metadata = new ReplicaMetadata(version, seen.With(version), _digest, context.Region);

        var unchanged = carried is null ? Condition.Missing(context.Version) : Condition.Equal(context.Version, ReplicaContext.Text(carried.Version));
        TableWriteOutcome? outcome = await context.Local.WriteAsync(new TableWrite.Set(
            Table, run.Key, context.Metadata, _metadata.ToValue(), Condition.Exists(run.Exists).And(unchanged))).ConfigureAwait(false);
        for (var round = 0; outcome is not null; round++)
        {
            if (round == MaxRounds)
            {
                throw new ReplicaWriteFailed(new Refusal(TargetErrorKind.Retryable, $"{context.Local.Replica} {run.Key}: the item changed {MaxRounds} times while the replicator versioned it; trying again later"));
            }

            outcome = outcome switch
            {
                TableWriteOutcome.Written written => await OnWrittenAsync(written.After ?? context.WithMetadata(_data, _metadata)).ConfigureAwait(false),
                TableWriteOutcome.ConditionFailed { Current: null } => await OnMissingAsync().ConfigureAwait(false),
                TableWriteOutcome.ConditionFailed failed => await OnChangedAsync(failed.Current!).ConfigureAwait(false),
                _ => throw new InvalidOperationException($"unexpected outcome {outcome}"),
            };
        }
    }

    /// <summary>The item holds a version of this write: forward it, unless the application changed the data since (its record follows).</summary>
    private async Task<TableWriteOutcome?> OnWrittenAsync(IReadOnlyDictionary<string, DynamoValue> item)
    {
        if (context.MetadataOf(item) is { } stamped && context.IsClean(item, stamped) && stamped.Digest == _digest)
        {
            run.Count(new MultiActiveCounts { Versioned = 1 });
            await new Forwarding(context, run).PutAsync(item, stamped, insert: record.OldImage is null).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>Deleted since: by the application (its record follows), or by another region, in which case the newer of the two stands.</summary>
    private async Task<TableWriteOutcome?> OnMissingAsync()
    {
        var tomb = await run.TombstoneAsync(fresh: true).ConfigureAwait(false);
        if (tomb is null || tomb.Version.Region == context.Region || (_predecessor is { } replaced && tomb.Version <= replaced))
        {
            return null;
        }

        if (tomb.Version > Version)
        {
            if (Conflict.IsConcurrent(Version, tomb.Seen))
            {
                await run.RecordAsync(new ConflictSide(tomb.Version, null), new ConflictSide(Version, _data)).ConfigureAwait(false);
            }

            return null;
        }

        var inserted = await context.Local.TransactAsync(
        [
            new TableWrite.Check(context.Local.Replica.Tombstones, run.TombstoneItemKey, Forwarding.NoNewerTombstone(Version)),
            new TableWrite.Put(Table, run.Key, context.WithMetadata(_data, _metadata), Condition.Missing(run.Exists)),
        ]).ConfigureAwait(false);
        if (inserted is TransactionOutcome.Written)
        {
            run.Count(new MultiActiveCounts { PutBack = 1 });
            return new TableWriteOutcome.Written(null);
        }

        return new TableWriteOutcome.ConditionFailed(await context.Local.ReadAsync(Table, run.Key).ConfigureAwait(false));
    }

    private async Task<TableWriteOutcome?> OnChangedAsync(IReadOnlyDictionary<string, DynamoValue> current)
    {
        var metadata = context.MetadataOf(current);
        if (!context.IsClean(current, metadata))
        {
            // The application wrote it again: that write's record follows and is versioned in turn.
            return null;
        }

        if (metadata!.Version.Region == context.Region && context.Digest(current) == _digest)
        {
            // This write, versioned already (a replay after a crash, or the same data written again): forward it as it stands.
            return new TableWriteOutcome.Written(current);
        }

        if (metadata.Version >= Version)
        {
            if (metadata.Version.Region != context.Region && Conflict.IsConcurrent(Version, metadata.Seen))
            {
                await run.RecordAsync(run.Side(metadata, current), new ConflictSide(Version, _data)).ConfigureAwait(false);
            }

            return null;
        }

        // An older version got in after this write and before its stamp: put this write back over it.
        var put = await context.Local.WriteAsync(new TableWrite.Put(
            Table, run.Key, context.WithMetadata(_data, _metadata), Condition.Equal(context.Version, ReplicaContext.Text(metadata.Version)))).ConfigureAwait(false);
        if (put is TableWriteOutcome.Written)
        {
            run.Count(new MultiActiveCounts { PutBack = 1 });
        }

        return put;
    }
}
