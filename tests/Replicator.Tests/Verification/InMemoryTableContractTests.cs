using Replicator.Model;
using Replicator.Tests.Contracts;
using Replicator.Verification;
using Item = System.Collections.Generic.IReadOnlyDictionary<string, Replicator.Model.DynamoValue>;

namespace Replicator.Tests.Verification;

/// <summary>The reader's contract, kept by the in-memory table the verifier's tests run on.</summary>
public sealed class InMemoryTableContractTests : TableReaderContract
{
    private int _tables;

    protected override Task<ITableReader> CreateTableAsync(IReadOnlyList<KeyAttribute> key, IReadOnlyList<Item> items)
    {
        var table = new InMemoryTable("us-west-2", $"contract-{Interlocked.Increment(ref _tables)}", [.. key]);
        foreach (var item in items)
        {
            table.Put(item);
        }

        return Task.FromResult<ITableReader>(table);
    }

    protected override Task DeleteAsync(ITableReader table, ItemKey key)
    {
        Assert.True(((InMemoryTable)table).Items.TryRemove(key, out _), $"no item {key} to delete");
        return Task.CompletedTask;
    }

    protected override ITableReader MissingTable() => new InMemoryTable("us-west-2", "no-such-table", PartitionKey, SortKey) { Exists = false };
}
