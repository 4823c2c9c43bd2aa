using Replicator.Applying;
using Replicator.Model;
using Replicator.Tests.Contracts;
using Replicator.Verification;

namespace Replicator.Tests.Verification;

/// <summary>The writer contract, against the in-memory table that verify's repairs and the backfill's copies write to.</summary>
public sealed class InMemoryTableWriterContractTests : TargetWriterContract
{
    private static readonly KeyAttribute PartitionKey = new("pk", "S", IsPartitionKey: true);

    protected override Task<ITargetWriter> NewTableAsync() => Task.FromResult<ITargetWriter>(new InMemoryTable("us-west-2", "target", PartitionKey));

    protected override ITargetWriter MissingTable() => new InMemoryTable("us-west-2", "no-such-table", PartitionKey) { Exists = false };

    protected override Task<IReadOnlyDictionary<string, DynamoValue>?> ReadAsync(ITargetWriter writer, ItemKey key) =>
        Task.FromResult(((InMemoryTable)writer).Items.GetValueOrDefault(key));
}
