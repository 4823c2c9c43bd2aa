using Replicator.Applying;
using Replicator.Model;
using Replicator.Tests.Contracts;

namespace Replicator.Tests.Applying;

/// <summary>The writer contract, against the in-memory target the engine's unit tests use.</summary>
public sealed class InMemoryTargetContractTests : TargetWriterContract
{
    protected override Task<ITargetWriter> NewTableAsync() => Task.FromResult<ITargetWriter>(new InMemoryTarget());

    protected override ITargetWriter MissingTable() => new InMemoryTarget("us-west-2", "no-such-table") { Exists = false };

    protected override Task<IReadOnlyDictionary<string, DynamoValue>?> ReadAsync(ITargetWriter writer, ItemKey key) =>
        Task.FromResult(((InMemoryTarget)writer).Items.GetValueOrDefault(key));
}
