using Replicator.Applying;
using Replicator.Model;
using Replicator.MultiActive;
using Replicator.Planning;

namespace Replicator.Backfill.Live;

/// <summary>
/// The live copy's writer for one target: a scanned item lands only where the target holds
/// nothing for its key, neither an item nor a <see cref="DeleteMarker"/> (PutItem with
/// <c>attribute_not_exists</c> on a key attribute). Anything there was written by replication,
/// whose replay from the copy's stream position is complete and in order, so it is as new as the
/// scan or newer: a copy refused counts as done. A batch reads its keys first (one strongly
/// consistent BatchGetItem), so a copy found stale costs no write, and writes only the absent ones,
/// each on its own (BatchWriteItem takes no condition), at most <paramref name="maxConcurrentWrites"/>
/// requests in flight across all calls.
/// </summary>
public sealed class AbsentOnlyCopyWriter : ITargetWriter
{
    private readonly IRegionTables _tables;
    private readonly string _table;
    private readonly SemaphoreSlim _inFlight;
    private long _written;
    private long _stood;

    public AbsentOnlyCopyWriter(TargetTable target, IRegionTables tables, int maxConcurrentWrites = ReplicationOptions.DefaultMaxConcurrentRequests)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrentWrites, 1);
        if (tables.Region != target.Region)
        {
            throw new ArgumentException($"the tables of region {tables.Region} cannot write {target}, a table of region {target.Region}", nameof(tables));
        }

        Target = target;
        _tables = tables;
        _table = target.RequestName;
        _inFlight = new SemaphoreSlim(maxConcurrentWrites, maxConcurrentWrites);
    }

    public TargetTable Target { get; }

    /// <summary>Copies written to the target.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Copies not written because replication had written the key first (an item or a delete marker).</summary>
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

    private async Task<WriteOutcome[]> WriteAllAsync(IReadOnlyList<WriteAction> actions, CancellationToken cancellationToken)
    {
        if (actions.FirstOrDefault(action => action.Kind != WriteKind.Put) is { } delete)
        {
            return [.. actions.Select(_ => WriteOutcome.Refused(TargetErrorKind.Fatal, $"{Target}: a live copy writes copies of items, not deletes ({delete.Key})"))];
        }

        if (actions.FirstOrDefault(action => DeleteMarker.IsMarker(action.Item)) is { } marked)
        {
            return [.. actions.Select(_ => WriteOutcome.Refused(
                TargetErrorKind.Fatal,
                $"{Target} {marked.Key}: the source item has the attribute {DeleteMarker.Attribute}, which replicate --backfill reserves for its delete markers (the sweep would delete the item); rename it, or copy with backfill within the stream's retention"))];
        }

        IReadOnlyDictionary<ItemKey, IReadOnlyDictionary<string, DynamoValue>> present;
        await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            switch (await _tables.ReadAsync(_table, [.. actions.Select(action => action.Key)], cancellationToken).ConfigureAwait(false))
            {
                case TableReadOutcome.Read read:
                    present = read.Items;
                    break;
                case TableReadOutcome.Failed failed:
                    return [.. actions.Select(_ => new WriteOutcome.Failed(failed.Refusal))];
                default:
                    throw new InvalidOperationException("unexpected read outcome");
            }
        }
        finally
        {
            _inFlight.Release();
        }

        return await Task.WhenAll(actions.Select(action => present.ContainsKey(action.Key) ? Task.FromResult(Stand()) : InsertAsync(action, cancellationToken))).ConfigureAwait(false);
    }

    private WriteOutcome Stand()
    {
        Interlocked.Increment(ref _stood);
        return WriteOutcome.Applied;
    }

    private async Task<WriteOutcome> InsertAsync(WriteAction action, CancellationToken cancellationToken)
    {
        var absent = Condition.Missing(new AttributePath(action.Key.Attributes.Keys.First()));
        await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            switch (await _tables.WriteAsync(new TableWrite.Put(_table, action.Key, action.Item, absent), cancellationToken).ConfigureAwait(false))
            {
                case TableWriteOutcome.Written:
                    Interlocked.Increment(ref _written);
                    return WriteOutcome.Applied;
                case TableWriteOutcome.ConditionFailed:
                    // Replication wrote the key between the read and the write: its change stands.
                    return Stand();
                case TableWriteOutcome.Failed failed:
                    return new WriteOutcome.Failed(failed.Refusal);
                default:
                    throw new InvalidOperationException("unexpected write outcome");
            }
        }
        finally
        {
            _inFlight.Release();
        }
    }
}
