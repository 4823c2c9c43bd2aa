using Replicator.Applying;
using Replicator.Model;

namespace Replicator.MultiActive;

/// <summary>
/// An application's put or update in this region: given a version here (stamped onto the item
/// with a write that touches only the metadata, and only if the metadata is as the record left
/// it), then forwarded. The version is later than every version the item held in this region
/// before the write (<see cref="History"/>). If the item changed before the stamp landed, what
/// changed it decides:
/// <list type="bullet">
/// <item>the application again: the item as it now stands is versioned instead (its version
/// must still be later than everything the item held, which its own record may no longer
/// show, if the application's write dropped the metadata);</item>
/// <item>a newer version: this write lost;</item>
/// <item>an older version from another region that got in first: this write is put back over it;</item>
/// <item>a delete from another region: the newer of the two stands.</item>
/// </list>
/// </summary>
internal sealed class LocalWrite(ReplicaContext context, KeyReplication run, ChangeRecord record, History history)
{
    /// <summary>Each round answers one change that came between; more than this many means the item is too busy to settle now.</summary>
    private const int MaxRounds = 8;

    private IReadOnlyDictionary<string, DynamoValue> _data = context.DataOf(record.NewImage!);
    private ReplicaMetadata _metadata = null!;
    private ReplicaMetadata? _expected;
    private ItemVersion? _predecessor;
    private SeenVersions _seen = SeenVersions.None;

    private string Table => context.Local.Replica.Table;

    private ItemVersion Version => _metadata.Version;

    public async Task RunAsync()
    {
        _predecessor = history.Latest;
        _seen = history.Seen;
        var pinned = Task.CompletedTask;
        if (history.WasMissing)
        {
            if (await AfterTheDeleteBeforeAsync().ConfigureAwait(false) is not { } pin)
            {
                return;
            }

            pinned = pin;
        }

        VersionAs(_data);

        // The pin goes beside the stamp, not before it: both must be durable before the batch is, and the stamp does not need it.
        var carried = context.MetadataOf(record.NewImage);
        var stamp = StampAsync(carried);
        await Task.WhenAll(stamp, pinned).ConfigureAwait(false);
        TableWriteOutcome? outcome = await stamp.ConfigureAwait(false);
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

    /// <summary>
    /// An insert's version is later than the delete before it: the tombstone here, unless it saw
    /// this write (it came after). Pinned the first time (<see cref="InsertPin"/>), so that a
    /// replay versions the insert the same way. Returns the pin's write (done already on a
    /// replay), or null when a later insert of this key was processed already: this record is done.
    /// </summary>
    private async Task<Task?> AfterTheDeleteBeforeAsync()
    {
        var sequence = ItemVersion.Padded(record.SequenceNumber);
        if (await run.PinAsync().ConfigureAwait(false) is { } pin && string.CompareOrdinal(pin.Sequence, sequence) >= 0)
        {
            if (pin.Sequence != sequence)
            {
                return null;
            }

            _predecessor = ItemVersion.Max(_predecessor, pin.Version);
            _seen = _seen.Merge(pin.Seen);
            return Task.CompletedTask;
        }

        var tomb = await run.TombstoneAsync().ConfigureAwait(false);
        if (tomb is not null && Saw(tomb.Seen))
        {
            tomb = null;
        }

        _predecessor = ItemVersion.Max(_predecessor, tomb?.Version);
        _seen = _seen.Merge(tomb?.Seen);
        return run.PinAsync(new InsertPin(sequence, tomb?.Version, tomb?.Seen ?? SeenVersions.None));
    }

    /// <summary>The version for <paramref name="data"/>: later than everything known to have been in the item.</summary>
    private void VersionAs(IReadOnlyDictionary<string, DynamoValue> data)
    {
        _data = data;
        var version = ItemVersion.Next(record.ApproximateCreationTime!.Value, _predecessor, context.Region, record.SequenceNumber);
        _metadata = new ReplicaMetadata(version, _seen.With(version), context.Digest(data), context.Region);
    }

    /// <summary>Sets the metadata alone, if the item's is still <paramref name="expected"/>.</summary>
    private Task<TableWriteOutcome> StampAsync(ReplicaMetadata? expected)
    {
        _expected = expected;
        var unchanged = expected is null ? Condition.Missing(context.Version) : Condition.Equal(context.Version, ReplicaContext.Text(expected.Version));
        return context.Local.WriteAsync(new TableWrite.Set(Table, run.Key, context.Metadata, _metadata.ToValue(), Condition.Exists(run.Exists).And(unchanged)));
    }

    /// <summary>The item holds a version of this region: forward it if it is clean, else version what the application made of it since.</summary>
    private async Task<TableWriteOutcome?> OnWrittenAsync(IReadOnlyDictionary<string, DynamoValue> item)
    {
        var stamped = context.MetadataOf(item);
        if (!context.IsClean(item, stamped))
        {
            if (stamped is not null && _expected is { Deleted: false } before && before.WrittenIn == context.Region && before.Digest == context.Digest(item))
            {
                // The stamp landed on a clean version, the one this write was made over, not on what
                // the application made of it since: that version came back after this write (a
                // forward delivered again over a later write without metadata, so the stamp's
                // condition held again). This write came after it here: put it back over the stamp.
                Rebase(Version, _seen);
                return await PutBackAsync(stamped).ConfigureAwait(false);
            }

            return await OnChangedAsync(item).ConfigureAwait(false);
        }

        run.Count(new MultiActiveCounts { Versioned = 1 });
        await new Forwarding(context, run).PutAsync(item, stamped!, insert: record.OldImage is null).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Deleted since: by a later delete of the application's (its record follows), or by one of
    /// another region's that reached this write before it was versioned (the newer of the two
    /// stands), or by one that had seen this write (nothing to do).
    /// </summary>
    private async Task<TableWriteOutcome?> OnMissingAsync()
    {
        var tomb = await run.TombstoneAsync(fresh: true).ConfigureAwait(false);
        if (tomb is null || Saw(tomb.Seen)
            || (!tomb.RemovedUnsettled && (tomb.Version.Region == context.Region || (_predecessor is { } replaced && tomb.Version <= replaced))))
        {
            // No delete of the replicator's removed this write: a later delete of the application's
            // did (no tombstone yet, or one this write had seen already), and its record follows.
            return null;
        }

        if (IsEarlierHere(tomb.Version))
        {
            // An earlier delete of this region, replayed, removed what had displaced this write: this write came after it.
            Rebase(tomb.Version, tomb.Seen);
        }
        else if (tomb.Version > Version)
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

    /// <summary>
    /// True when a write with these seen versions had seen this one (or a later write of this
    /// region): it came after this write, whatever the versions say, and this write is simply
    /// overwritten. Told by the record's sequence number, which versions carry, so that it holds
    /// however this record's version comes out when it is replayed.
    /// </summary>
    private bool Saw(SeenVersions seen) =>
        seen.ByRegion.TryGetValue(context.Region, out var latest) && string.CompareOrdinal(latest.Sequence, ItemVersion.Padded(record.SequenceNumber)) >= 0;

    /// <summary>A version of an earlier write of this region (this write came after it here, whatever their versions say).</summary>
    private bool IsEarlierHere(ItemVersion version) =>
        version.Region == context.Region && string.CompareOrdinal(version.Sequence, ItemVersion.Padded(record.SequenceNumber)) < 0;

    /// <summary>This write came after <paramref name="version"/> here: its version must be later.</summary>
    private void Rebase(ItemVersion version, SeenVersions seen)
    {
        _predecessor = ItemVersion.Max(_predecessor, version);
        _seen = _seen.Merge(seen);
        VersionAs(_data);
    }

    private async Task<TableWriteOutcome?> OnChangedAsync(IReadOnlyDictionary<string, DynamoValue> current)
    {
        var metadata = context.MetadataOf(current);
        if (!context.IsClean(current, metadata))
        {
            // The application wrote it again since, and the item carries no version of what it
            // holds: version that, later than anything the item held, this record's history included.
            _predecessor = ItemVersion.Max(_predecessor, metadata?.Version);
            _seen = _seen.Merge(metadata?.Seen);
            VersionAs(context.DataOf(current));
            return await StampAsync(metadata).ConfigureAwait(false);
        }

        if (metadata!.Version.Region == context.Region && metadata.Digest == _metadata.Digest)
        {
            // This write's data, versioned here already: by this record before (a replay after a
            // crash), then forward it as it stands; or by an earlier record that knew less of
            // what the item held, then give it this later version.
            return metadata.Version >= Version ? new TableWriteOutcome.Written(current) : await StampAsync(metadata).ConfigureAwait(false);
        }

        if (Saw(metadata.Seen))
        {
            return null;
        }

        if (metadata.Version >= Version)
        {
            if (IsEarlierHere(metadata.Version))
            {
                // An earlier write of this region, put back over another region's version after this
                // write was made: this one came later here, so it wins, with a version later than that.
                Rebase(metadata.Version, metadata.Seen);
                return await PutBackAsync(metadata).ConfigureAwait(false);
            }

            if (metadata.Version.Region != context.Region)
            {
                await run.RecordAsync(run.Side(metadata, current), new ConflictSide(Version, _data)).ConfigureAwait(false);
            }

            return null;
        }

        // An older version got in after this write and before its stamp: put this write back over it.
        return await PutBackAsync(metadata).ConfigureAwait(false);
    }

    private async Task<TableWriteOutcome> PutBackAsync(ReplicaMetadata over)
    {
        var put = await context.Local.WriteAsync(new TableWrite.Put(
            Table, run.Key, context.WithMetadata(_data, _metadata), Condition.Equal(context.Version, ReplicaContext.Text(over.Version)))).ConfigureAwait(false);
        if (put is TableWriteOutcome.Written)
        {
            run.Count(new MultiActiveCounts { PutBack = 1 });
        }

        return put;
    }
}
