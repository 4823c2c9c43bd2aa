using Replicator.Applying;
using Replicator.Model;
using Replicator.MultiActive;
using Replicator.Tests.Verification;

namespace Replicator.Tests.Backfill.Live;

/// <summary>
/// Conditional single writes and strongly consistent reads on an <see cref="InMemoryTable"/>, the
/// part of <see cref="IRegionTables"/> a live copy uses, on the same items the engine writes
/// through the table's <see cref="ITargetWriter"/>: each write compares and swaps, so its
/// condition holds at the moment it lands, as DynamoDB's does. <see cref="BeforeWrite"/> runs
/// before each write: a test replicates a change there, or stops the run.
/// </summary>
internal sealed class InMemoryTableTables(InMemoryTable table) : IRegionTables
{
    public string Region => table.Table.Region;

    public Func<TableWrite, CancellationToken, Task> BeforeWrite { get; set; } = (_, _) => Task.CompletedTask;

    /// <summary>Before each read, with its keys.</summary>
    public Func<IReadOnlyList<ItemKey>, CancellationToken, Task> BeforeRead { get; set; } = (_, _) => Task.CompletedTask;

    public async Task<TableWriteOutcome> WriteAsync(TableWrite write, CancellationToken cancellationToken)
    {
        Assert.Equal(table.Table.RequestName, write.Table);
        await BeforeWrite(write, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        while (true)
        {
            var current = table.Items.GetValueOrDefault(write.Key);
            if (write.Condition is { } condition && !condition.IsMetBy(current))
            {
                return new TableWriteOutcome.ConditionFailed(current);
            }

            var swapped = write switch
            {
                TableWrite.Put put when current is null => table.Items.TryAdd(put.Key, put.Item),
                TableWrite.Put put => table.Items.TryUpdate(put.Key, put.Item, current),
                TableWrite.Delete when current is null => true,
                TableWrite.Delete delete => table.Items.TryRemove(new KeyValuePair<ItemKey, IReadOnlyDictionary<string, DynamoValue>>(delete.Key, current)),
                _ => throw new NotSupportedException($"{write.GetType().Name} is not used by a live copy"),
            };
            if (swapped)
            {
                return new TableWriteOutcome.Written(null);
            }
        }
    }

    public Task<TransactionOutcome> TransactAsync(IReadOnlyList<TableWrite> writes, CancellationToken cancellationToken) =>
        throw new NotSupportedException("a live copy uses no transactions");

    public async Task<TableReadOutcome> ReadAsync(string name, IReadOnlyList<ItemKey> keys, CancellationToken cancellationToken)
    {
        Assert.Equal(table.Table.RequestName, name);
        await BeforeRead(keys, cancellationToken);
        var found = new Dictionary<ItemKey, IReadOnlyDictionary<string, DynamoValue>>();
        foreach (var key in keys)
        {
            if (table.Items.TryGetValue(key, out var item))
            {
                found[key] = item;
            }
        }

        return new TableReadOutcome.Read(found);
    }
}
