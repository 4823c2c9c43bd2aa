using Replicator.MultiActive;
using Replicator.Tests.Contracts;

namespace Replicator.Tests.MultiActive;

/// <summary>The region tables' contract, kept by the in-memory region the convergence and regression tests run on.</summary>
public sealed class InMemoryRegionContractTests : RegionTablesContract
{
    private readonly InMemoryRegion _region = new("us-east-1", () => new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private int _tables;

    protected override IRegionTables Tables => _region;

    protected override Task<string> CreateTableAsync(string keyAttribute)
    {
        var name = $"contract-{Interlocked.Increment(ref _tables)}";
        _region.CreateTable(name, keyAttribute);
        return Task.FromResult(name);
    }

    protected override string MissingTable() => "no-such-table";
}
