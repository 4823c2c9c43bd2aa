using Replicator.Model;

namespace Replicator.MultiActive;

/// <summary>
/// One key's changes in one region, in stream order: the replicator's own records are checked
/// for a local version they displaced without having seen it (a conflict, recorded here, in
/// the loser's region); the last application write is versioned here and forwarded to every
/// other region. Earlier application writes of the batch were overwritten here in order, so
/// only the last matters.
/// </summary>
internal sealed class KeyReplication(ReplicaContext context, ItemKey key, SideItems? prefetched)
{
    private readonly List<Conflict> _conflicts = [];
    private readonly Lock _lock = new();
    private MultiActiveCounts _counts = MultiActiveCounts.None;
    private Tombstone? _tombstone = prefetched?.Tombstone;
    private bool _tombstoneKnown = prefetched is not null;

    private string Region => context.Region;

    private ItemKey TombstoneKey { get; } = Tombstone.KeyOf(key);

    /// <summary>Any key attribute is there exactly when the item is.</summary>
    private AttributePath ItemExists { get; } = new(key.Attributes.Keys.First());

    public async Task<KeyResult> RunAsync(IReadOnlyList<ChangeRecord> records)
    {
        ChangeRecord? last = null;
        var upToLast = 0;
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            switch (RecordOrigins.Of(record, Region, context.Metadata))
            {
                case RecordOrigin.Unchanged:
                    Count(new MultiActiveCounts { Unchanged = 1 });
                    break;
                case RecordOrigin.Replicator:
                    Count(new MultiActiveCounts { OwnRecords = 1 });
                    await CheckDisplacedAsync(record).ConfigureAwait(false);
                    break;
                default:
                    last = record;
                    upToLast = i + 1;
                    break;
            }
        }

        if (last is not null)
        {
            var history = History.Of(records.Take(upToLast), context.Metadata);
            await (last.Kind == ChangeKind.Remove ? new LocalDelete(context, this, last, history).RunAsync() : new LocalWrite(context, this, last, history).RunAsync()).ConfigureAwait(false);
        }

        lock (_lock)
        {
            return new KeyResult(key, KeyFate.Done, null, _counts, [.. _conflicts]);
        }
    }

    public ItemKey Key => key;

    public AttributePath Exists => ItemExists;

    /// <summary>Adds to what was done; forwards to several regions count at once.</summary>
    public void Count(MultiActiveCounts counts)
    {
        lock (_lock)
        {
            _counts += counts;
        }
    }

    /// <summary>The pin of the last insert of this key processed here (<see cref="InsertPin"/>).</summary>
    public async Task<InsertPin?> PinAsync() =>
        prefetched is not null
            ? prefetched.Pin
            : InsertPin.FromItem(await context.Local.ReadAsync(context.Local.Replica.Tombstones, InsertPin.KeyOf(key)).ConfigureAwait(false));

    public Task PinAsync(InsertPin pin) =>
        context.Local.WriteAsync(new TableWrite.Put(
            context.Local.Replica.Tombstones, InsertPin.KeyOf(key), pin.ToItem(key, context.Time.GetUtcNow() + context.Settings.TombstoneRetention), pin.Newer()));

    /// <summary>This key's tombstone here, read once (or again, when <paramref name="fresh"/>).</summary>
    public async Task<Tombstone?> TombstoneAsync(bool fresh = false)
    {
        if (fresh || !_tombstoneKnown)
        {
            _tombstone = Tombstone.FromItem(await context.Local.ReadAsync(context.Local.Replica.Tombstones, TombstoneKey).ConfigureAwait(false));
            _tombstoneKnown = true;
        }

        return _tombstone;
    }

    public ItemKey TombstoneItemKey => TombstoneKey;

    /// <summary>
    /// A record of the replicator's own write here: if what it replaced was a version of this
    /// region that the new version had not seen, that version lost a conflict, and this region,
    /// its home, records it (once: the record is found once here, and its id is stable).
    /// </summary>
    private async Task CheckDisplacedAsync(ChangeRecord record)
    {
        if (record.Kind == ChangeKind.Remove || context.MetadataOf(record.NewImage) is not { } written)
        {
            return;
        }

        var winner = Side(written, record.NewImage!);
        if (record.OldImage is { } old)
        {
            if (context.MetadataOf(old) is { } before && context.IsClean(old, before) && before.Version.Region == Region
                && before.Version < written.Version && Conflict.IsConcurrent(before.Version, written.Seen))
            {
                await RecordAsync(winner, Side(before, old)).ConfigureAwait(false);
            }

            return;
        }

        // Put into a missing item: it may have replaced a delete of this region.
        var tomb = await TombstoneAsync().ConfigureAwait(false);
        if (tomb is null)
        {
            return;
        }

        if (tomb.Version.Region == Region && tomb.Version < written.Version && Conflict.IsConcurrent(tomb.Version, written.Seen))
        {
            await RecordAsync(winner, new ConflictSide(tomb.Version, null)).ConfigureAwait(false);
        }

        if (tomb.Version > written.Version)
        {
            // An older version than the delete here: an exact copy of an item written back after the
            // delete (a replicated write checks the tombstone). That version is deleted: delete it.
            await new Deletion(context, this, tomb.Version, tomb.Seen).RemoveHereAsync(record.SequenceNumber).ConfigureAwait(false);
        }
    }

    public ConflictSide Side(ReplicaMetadata metadata, IReadOnlyDictionary<string, DynamoValue> image) =>
        new(metadata.Version, metadata.Deleted ? null : context.DataOf(image));

    /// <summary>Records that <paramref name="loser"/> lost to <paramref name="winner"/>, once.</summary>
    public async Task RecordAsync(ConflictSide winner, ConflictSide loser)
    {
        var conflict = new Conflict(key, winner, loser, Region, context.Time.GetUtcNow());
        var item = ConflictItems.ToItem(conflict, context.Settings.ConflictRetention);
        var outcome = await context.Local.WriteAsync(new TableWrite.Put(
            context.Local.Replica.Conflicts, ConflictItems.KeyOf(conflict), item, Condition.Missing(new AttributePath(ConflictItems.IdAttribute)))).ConfigureAwait(false);
        if (outcome is TableWriteOutcome.Written)
        {
            lock (_lock)
            {
                _conflicts.Add(conflict);
            }

            Count(new MultiActiveCounts { Conflicts = 1 });
        }
    }
}
