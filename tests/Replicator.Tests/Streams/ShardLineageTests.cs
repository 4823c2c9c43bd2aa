using Replicator.Streams;

namespace Replicator.Tests.Streams;

/// <summary>The one rule, as a pure function: which shards may be read, and when records were lost.</summary>
public sealed class ShardLineageTests
{
    private static StreamDescription Listing(params StreamShard[] shards) => new(FakeStreamsApi.Arn, "source", "ENABLED", "NEW_AND_OLD_IMAGES", shards);

    private static StreamShard Open(string id, string? parent = null) => new(id, parent, "1", null);

    private static StreamShard Closed(string id, string? parent = null) => new(id, parent, "1", "9");

    private static Dictionary<string, ShardCheckpoint> Checkpoints(params (string Shard, ShardCheckpoint Checkpoint)[] entries) =>
        entries.ToDictionary(entry => entry.Shard, entry => entry.Checkpoint, StringComparer.Ordinal);

    private static IEnumerable<string> Ready(Lineage lineage) => Assert.IsType<Lineage.Intact>(lineage).Ready.Select(shard => shard.ShardId);

    [Fact]
    public void Check_ChildWaitsForAListedParent_UntilItsCheckpointSaysFinished()
    {
        var listing = Listing(Closed("p"), Open("c", "p"));
        Assert.Equal(["p"], Ready(ShardLineage.Check(listing, Checkpoints(("p", new ShardCheckpoint("5"))), firstRun: false)));
        Assert.Equal(["c"], Ready(ShardLineage.Check(listing, Checkpoints(("p", new ShardCheckpoint("9", Finished: true))), firstRun: false)));
    }

    [Fact]
    public void Check_UnfinishedCheckpointOfAShardNoLongerListed_IsDataLost_NamingItAndItsPosition()
    {
        var lineage = ShardLineage.Check(Listing(Open("c", "p")), Checkpoints(("p", new ShardCheckpoint("5"))), firstRun: false);
        var error = Assert.IsType<Lineage.Broken>(lineage).Error;
        Assert.Contains("shard p ", error, StringComparison.Ordinal);
        Assert.Contains("after sequence number 5", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_ParentGoneWithoutAnEntry_IsDataLostOnALaterRun_ButTheTrimHorizonOnTheFirst()
    {
        var listing = Listing(Open("c", "p"));
        Assert.IsType<Lineage.Broken>(ShardLineage.Check(listing, Checkpoints(("other", new ShardCheckpoint("1"))), firstRun: false));
        Assert.IsType<Lineage.Broken>(ShardLineage.Check(listing, Checkpoints(), firstRun: false));
        Assert.Equal(["c"], Ready(ShardLineage.Check(listing, Checkpoints(), firstRun: true)));
    }

    [Fact]
    public void Check_PinnedChildOfAPrunedParent_GoesOn()
    {
        Assert.Equal(["c"], Ready(ShardLineage.Check(Listing(Open("c", "p")), Checkpoints(("c", new ShardCheckpoint(null))), firstRun: false)));
    }

    [Fact]
    public void Prune_DropsAFinishedShardThatLeft_OnlyOnceEveryListedChildHasAnEntry()
    {
        var listing = Listing(Open("c1", "p"), Open("c2", "p"));
        var finished = ("p", new ShardCheckpoint("9", Finished: true));
        Assert.Empty(CheckpointPruning.Droppable(Checkpoints(finished, ("c1", new ShardCheckpoint(null))), listing));
        Assert.Equal(["p"], CheckpointPruning.Droppable(Checkpoints(finished, ("c1", new ShardCheckpoint(null)), ("c2", new ShardCheckpoint("3"))), listing));
        Assert.Empty(CheckpointPruning.Droppable(Checkpoints(("p", new ShardCheckpoint("5")), ("c1", new ShardCheckpoint(null)), ("c2", new ShardCheckpoint(null))), listing));
    }
}
