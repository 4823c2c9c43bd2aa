using Replicator.Applying;
using Replicator.Model;
using Replicator.Planning;

namespace Replicator.MultiActive;

/// <summary>
/// Writes a copy of a live multi-active table into a region that joins the set, for the
/// backfiller, with the guards of a replicated write (<see cref="Forwarding"/>), so the copy
/// never overwrites a newer write nor brings back a delete that reached the region first:
/// <list type="bullet">
/// <item>an item with a version lands only over an older version (or an item without one), or
/// into a missing item in one transaction with a check that no tombstone at least as new
/// stands; its metadata says it was written to the joining region, as a forwarded write's does,
/// so that region's replicator knows its record as the replicator's own;</item>
/// <item>an item without a version (from before the table joined the set) is older than any
/// versioned write: it lands only into a missing item with no tombstone at all;</item>
/// <item>an item marked for deletion is not copied: the replicator making that delete forwards
/// it to the joining region, a target of every replicator by the time the copy starts.</item>
/// </list>
/// A copy its guard refuses counts as written: the target's item is newer and stands (never
/// retried). A batch reads its items and their tombstones first, in two batched reads, and
/// writes only the copies that may land, as concurrent single guarded writes, at most
/// <paramref name="maxConcurrentWrites"/> requests in flight across all calls; deletes are
/// refused (a copy has none).
/// </summary>
public sealed class GuardedCopyWriter : ITargetWriter
{
    /// <summary>An item that appears and disappears between tries more often than this is left for the caller's retry.</summary>
    private const int MaxRounds = 4;

    private readonly Replica _replica;
    private readonly string _metadata;
    private readonly SemaphoreSlim _inFlight;
    private long _written;
    private long _stood;

    public GuardedCopyWriter(TargetTable target, IRegionTables tables, string metadataAttribute, int maxConcurrentWrites = ReplicationOptions.DefaultMaxConcurrentRequests)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrentWrites, 1);
        if (tables.Region != target.Region)
        {
            throw new ArgumentException($"the tables of region {tables.Region} cannot write {target}, a table of region {target.Region}", nameof(tables));
        }

        Target = target;
        _replica = new Replica(target.Region, target.RequestName, tables);
        _metadata = metadataAttribute;
        _inFlight = new SemaphoreSlim(maxConcurrentWrites, maxConcurrentWrites);
    }

    public TargetTable Target { get; }

    /// <summary>Copies written to the target.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Copies not written because the target held something newer (a later version, a tombstone, any item for one without a version) or the item was on its way out (a delete mark).</summary>
    public long Stood => Interlocked.Read(ref _stood);

    public async Task<BatchOutcome> WriteBatchAsync(IReadOnlyList<WriteAction> actions, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return BatchOutcome.FromSingles(actions, await WriteAllAsync(actions, cancellationToken).ConfigureAwait(false));
    }

    public async Task<WriteOutcome> WriteOneAsync(WriteAction action, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return (await WriteAllAsync([action], cancellationToken).ConfigureAwait(false))[0];
    }

    /// <summary>
    /// Reads the items and their tombstones first (two batched, strongly consistent reads), so
    /// that a copy found stale costs no write, and a cancelled transaction stays rare; the writes
    /// keep their guards, for whatever lands between the read and the write.
    /// </summary>
    private async Task<WriteOutcome[]> WriteAllAsync(IReadOnlyList<WriteAction> actions, CancellationToken cancellationToken)
    {
        var puts = actions.Where(action => action.Kind == WriteKind.Put).Select(action => action.Key).ToList();
        IReadOnlyDictionary<ItemKey, IReadOnlyDictionary<string, DynamoValue>> items = new Dictionary<ItemKey, IReadOnlyDictionary<string, DynamoValue>>();
        IReadOnlyDictionary<ItemKey, IReadOnlyDictionary<string, DynamoValue>> tombstones = items;
        if (puts.Count > 0)
        {
            await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var read = await _replica.Tables.ReadAsync(_replica.Table, puts, cancellationToken).ConfigureAwait(false);
                var readTombstones = read is TableReadOutcome.Read
                    ? await _replica.Tables.ReadAsync(_replica.Tombstones, [.. puts.Select(Tombstone.KeyOf)], cancellationToken).ConfigureAwait(false)
                    : read;
                if ((read as TableReadOutcome.Failed ?? readTombstones as TableReadOutcome.Failed) is { } failed)
                {
                    return [.. actions.Select(_ => new WriteOutcome.Failed(failed.Refusal))];
                }

                (items, tombstones) = (((TableReadOutcome.Read)read).Items, ((TableReadOutcome.Read)readTombstones).Items);
            }
            finally
            {
                _inFlight.Release();
            }
        }

        return await Task.WhenAll(actions.Select(action => WriteOneAsync(action, items.GetValueOrDefault(action.Key), tombstones.GetValueOrDefault(Tombstone.KeyOf(action.Key)), cancellationToken))).ConfigureAwait(false);
    }

    private async Task<WriteOutcome> WriteOneAsync(WriteAction action, IReadOnlyDictionary<string, DynamoValue>? current, IReadOnlyDictionary<string, DynamoValue>? tombstone, CancellationToken cancellationToken)
    {
        if (action.Kind != WriteKind.Put)
        {
            return WriteOutcome.Refused(TargetErrorKind.Fatal, $"{_replica}: a guarded copy writes copies of items, not deletes ({action.Key}); a delete reaches a joining region from the replicator that makes it");
        }

        await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var outcome = await CopyAsync(action, current, tombstone, cancellationToken).ConfigureAwait(false);
            switch (outcome)
            {
                case Copy.Written:
                    Interlocked.Increment(ref _written);
                    return WriteOutcome.Applied;
                case Copy.Stood:
                    Interlocked.Increment(ref _stood);
                    return WriteOutcome.Applied;
                case Copy.Refused refused:
                    return new WriteOutcome.Failed(refused.Refusal);
                default:
                    throw new InvalidOperationException($"unexpected copy outcome {outcome}");
            }
        }
        finally
        {
            _inFlight.Release();
        }
    }

    /// <summary>What the read found decides whether to write at all, and which write to try first.</summary>
    private Task<Copy> CopyAsync(WriteAction action, IReadOnlyDictionary<string, DynamoValue>? current, IReadOnlyDictionary<string, DynamoValue>? tombstone, CancellationToken cancellationToken)
    {
        var key = action.Key;
        var exists = new AttributePath(key.Attributes.Keys.First());
        var check = new TableWrite.Check(_replica.Tombstones, Tombstone.KeyOf(key), Condition.Missing(new AttributePath(Tombstone.KeyAttribute)));
        var stood = Task.FromResult<Copy>(new Copy.Stood());
        switch (ReplicaMetadata.Read(action.Item, _metadata))
        {
            case null when current is not null || tombstone is not null:
                return stood;
            case null:
                return InsertAsync(check, new TableWrite.Put(_replica.Table, key, action.Item, Condition.Missing(exists)), cancellationToken);
            case { Deleted: true }:
                return stood;
            case var metadata when current is null
                ? Tombstone.FromItem(tombstone) is { } stone && stone.Version >= metadata.Version
                : ReplicaMetadata.Read(current, _metadata) is { } standing && standing.Version >= metadata.Version:
                return stood;
            case var metadata:
                return CopyVersionAsync(action, metadata, exists, check, insertFirst: current is null, cancellationToken);
        }
    }

    /// <summary>Into a missing item (the usual case in a new region), or over an older version; the item may come and go between the two.</summary>
    private async Task<Copy> CopyVersionAsync(WriteAction action, ReplicaMetadata metadata, AttributePath exists, TableWrite.Check tombstone, bool insertFirst, CancellationToken cancellationToken)
    {
        var item = new Dictionary<string, DynamoValue>(action.Item, StringComparer.Ordinal) { [_metadata] = metadata.WrittenTo(_replica.Region).ToValue() };
        var text = ReplicaContext.Text(metadata.Version);
        var version = new AttributePath(_metadata, ReplicaMetadata.VersionField);
        var noNewerTombstone = tombstone with { Condition = Forwarding.NoNewerTombstone(metadata.Version) };
        var newer = Condition.Exists(exists).And(Condition.Missing(version).Or(Condition.Less(version, text)));
        for (var round = 0; round < MaxRounds; round++, insertFirst = !insertFirst)
        {
            if (insertFirst)
            {
                var inserted = await InsertAsync(noNewerTombstone, new TableWrite.Put(_replica.Table, action.Key, item, Condition.Missing(exists)), cancellationToken).ConfigureAwait(false);
                if (inserted is not Copy.Stood { ItemExists: true })
                {
                    return inserted;
                }

                continue;
            }

            switch (await _replica.Tables.WriteAsync(new TableWrite.Put(_replica.Table, action.Key, item, newer), cancellationToken).ConfigureAwait(false))
            {
                case TableWriteOutcome.Written:
                    return new Copy.Written();
                case TableWriteOutcome.ConditionFailed { Current: not null }:
                    return new Copy.Stood();
                case TableWriteOutcome.Failed failed:
                    return new Copy.Refused(failed.Refusal);
            }
        }

        return new Copy.Refused(new Refusal(TargetErrorKind.Retryable, $"{_replica} {action.Key}: the item kept appearing and disappearing while the copy wrote it; trying again later"));
    }

    /// <summary>The put into a missing item, with the tombstone's check, in one transaction.</summary>
    private async Task<Copy> InsertAsync(TableWrite.Check tombstone, TableWrite.Put put, CancellationToken cancellationToken) =>
        await _replica.Tables.TransactAsync([tombstone, put], cancellationToken).ConfigureAwait(false) switch
        {
            TransactionOutcome.Written => new Copy.Written(),
            TransactionOutcome.Cancelled cancelled => new Copy.Stood(ItemExists: !cancelled.FailedConditions.Contains(0)),
            TransactionOutcome.Failed failed => new Copy.Refused(failed.Refusal),
            var other => throw new InvalidOperationException($"unexpected transaction outcome {other}"),
        };

    /// <summary>What became of one copy.</summary>
    private abstract record Copy
    {
        public sealed record Written : Copy;

        /// <summary>The target's item stands; <see cref="ItemExists"/>: only because an item is there (a tombstone would have been newer).</summary>
        public sealed record Stood(bool ItemExists = false) : Copy;

        public sealed record Refused(Refusal Refusal) : Copy;
    }
}
