using Replicator.Applying;
using Replicator.Model;
using Replicator.MultiActive;
using Replicator.Tests.Lambda;
using Replicator.Tests.MultiActive;

namespace Replicator.Tests.Credentials;

/// <summary>
/// A multi-active peer behind a role: the host writes it through the tables made for that peer
/// (signed with its role), not through the region's tables made with the function's own credentials.
/// </summary>
public sealed class MultiActivePeerRoleTests
{
    [Fact]
    public async Task Peer_ReachedThroughItsOwnTables_IsWrittenThere_NotThroughTheRegionsDefault()
    {
        MultiActiveDeployment? set = null;
        var asked = new List<TargetTable>();
        set = new MultiActiveDeployment(
            tables: region => region.Region == "ap-southeast-2" ? new DeniedTables(region) : region,
            peerTables: peer =>
            {
                asked.Add(peer);
                return set!.Regions.Single(region => region.Region == peer.Region);
            });
        set.Put(0, "a", "1");

        await set.DeliverAsync(0, TestContext.Current.CancellationToken);

        Assert.Equal(["1", "1", "1"], [.. Enumerable.Range(0, 3).Select(i => set.ValueOf(i, "a"))]);
        Assert.Equal(["ap-southeast-2", "eu-west-1"], asked.Select(peer => peer.Region).Order(StringComparer.Ordinal));
    }

    /// <summary>The region as the function's own credentials see it: every write refused (the table is reached through a role only).</summary>
    private sealed class DeniedTables(InMemoryRegion region) : IRegionTables
    {
        private static readonly Refusal Denied = new(TargetErrorKind.Fatal, "AccessDeniedException: the function's own role may not write here");

        public string Region => region.Region;

        public Task<TableWriteOutcome> WriteAsync(TableWrite write, CancellationToken cancellationToken) =>
            Task.FromResult<TableWriteOutcome>(new TableWriteOutcome.Failed(Denied));

        public Task<TransactionOutcome> TransactAsync(IReadOnlyList<TableWrite> writes, CancellationToken cancellationToken) =>
            Task.FromResult<TransactionOutcome>(new TransactionOutcome.Failed(Denied));

        public Task<TableReadOutcome> ReadAsync(string table, IReadOnlyList<ItemKey> keys, CancellationToken cancellationToken) => region.ReadAsync(table, keys, cancellationToken);
    }
}
