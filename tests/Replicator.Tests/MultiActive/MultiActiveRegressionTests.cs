using Replicator.Model;
using Replicator.MultiActive;

namespace Replicator.Tests.MultiActive;

/// <summary>
/// The failures of the two-way DynamoDB replicators before this one (MULTI-ACTIVE.md), and the
/// basic promises, each on three regions in memory.
/// </summary>
public sealed class MultiActiveRegressionTests
{
    [Fact]
    public async Task Put_InOneRegion_ReachesEveryRegion_WithOneVersion_AndEveryReplicatorGoesIdle()
    {
        var sim = new Simulation();
        sim.Put(0, "k", "a");

        Assert.True(await sim.SettleAsync());

        Assert.Null(sim.Divergence());
        Assert.Equal("a", sim.Data(2, "k")![Simulation.Value].AsString());
        Assert.Equal("us-east-1", sim.MetadataOf(1, "k")!.Version.Region);
        Assert.Empty(sim.RecordedConflicts());
        // The write, its stamp, and one replicated write in each other region: nothing more.
        Assert.Equal(4, sim.Records);
    }

    [Fact]
    public async Task Settle_OnMoto_WhereWritesThatChangeNothingAreRecorded_StillGoesIdle()
    {
        var sim = new Simulation(recordsUnchangedWrites: true);
        sim.Put(0, "k", "a");
        sim.Update(1, "j", "b");

        Assert.True(await sim.SettleAsync());

        Assert.Null(sim.Divergence());
        Assert.True(sim.Records <= 8, $"{sim.Records} records for two writes");
    }

    [Fact]
    public async Task DeleteThenFastReinsert_WhileTheDeleteReplicates_TheNewItemSurvivesEverywhere()
    {
        // ReutersMedia/dynamodb-circular-repl: the delete came round and killed the re-inserted item.
        var sim = new Simulation();
        sim.Put(0, "k", "old");
        Assert.True(await sim.SettleAsync());

        sim.Delete(0, "k");
        await sim.StepAsync(0);
        sim.Put(0, "k", "new");
        await sim.StepAsync(1);
        await sim.StepAsync(2);

        Assert.True(await sim.SettleAsync());
        Assert.Null(sim.Divergence());
        Assert.Equal("new", sim.Data(1, "k")![Simulation.Value].AsString());
    }

    [Fact]
    public async Task Delete_IsNeverUndone_ByALateReplayOfTheOlderPut()
    {
        var sim = new Simulation();
        sim.Put(0, "k", "a");
        Assert.True(await sim.SettleAsync());
        sim.Delete(1, "k");
        Assert.True(await sim.SettleAsync());

        // Region 0's replicator delivers its old records again (a replay from an old checkpoint).
        sim.Rewind(0, 1000);
        Assert.True(await sim.SettleAsync());

        Assert.Null(sim.Divergence());
        Assert.Null(sim.Item(0, "k"));
    }

    [Fact]
    public async Task Delete_IsNeverUndone_ByTheOlderPutArrivingLate_FromAReplicatorKilledHalfwayThroughForwardingIt()
    {
        var sim = new Simulation();
        sim.Put(0, "k", "a");
        sim.Process(0).CrashAfter = 3; // the insert's pin, the stamp, and the write to region 1; region 2's never happens
        Assert.False(await sim.StepAsync(0));
        Assert.NotNull(sim.Item(1, "k"));
        Assert.Null(sim.Item(2, "k"));

        sim.Delete(1, "k");
        await sim.StepAsync(1);
        await sim.StepAsync(1);
        Assert.True(await sim.SettleAsync());

        Assert.Null(sim.Divergence());
        Assert.Null(sim.Item(2, "k"));
        Assert.Null(sim.Item(0, "k"));
    }

    [Fact]
    public async Task SimultaneousUpdates_InTwoRegions_Converge_AndTheLoserIsRecordedOnce_WithBothImages()
    {
        // mapbox/dynamodb-replicator #31: conditional puts on the old image could not settle this.
        var sim = new Simulation();
        sim.Put(0, "k", "base");
        Assert.True(await sim.SettleAsync());

        sim.Advance(TimeSpan.FromSeconds(2));
        sim.Update(0, "k", "from-east");
        sim.Update(1, "k", "from-west");
        Assert.True(await sim.SettleAsync());

        Assert.Null(sim.Divergence());
        var conflict = Assert.Single(sim.RecordedConflicts());
        var winner = sim.Data(0, "k")![Simulation.Value].AsString();
        Assert.Equal(winner, conflict.Winner.Image![Simulation.Value].AsString());
        Assert.NotEqual(winner, conflict.Loser.Image![Simulation.Value].AsString());
        Assert.Equal(conflict.Loser.Origin, conflict.DetectedIn);
        Assert.Equal(sim.MetadataOf(2, "k")!.Version, conflict.Winner.Version);
    }

    [Fact]
    public async Task AWriteMadeAfterSeeingAVersion_BeatsIt_EvenWithinTheSameSecond_AndWithItsRegionsClockBehind()
    {
        var sim = new Simulation(skews: [TimeSpan.FromSeconds(5), TimeSpan.Zero, TimeSpan.Zero]);
        sim.Put(0, "k", "first");
        Assert.True(await sim.SettleAsync());

        // Region 1's clock is 5 s behind region 0's: by time alone its write would lose.
        sim.Update(1, "k", "second");
        Assert.True(await sim.SettleAsync());

        Assert.Null(sim.Divergence());
        Assert.Equal("second", sim.Data(0, "k")![Simulation.Value].AsString());
        Assert.Empty(sim.RecordedConflicts());
    }

    [Fact]
    public async Task MetadataCopiedByTheApplication_ReadModifyWrite_IsReplicatedAsTheApplicationsWrite()
    {
        var sim = new Simulation();
        sim.Put(0, "k", "a");
        Assert.True(await sim.SettleAsync());

        sim.ReadModifyWrite(1, "k", "b");
        Assert.True(await sim.SettleAsync());

        Assert.Null(sim.Divergence());
        Assert.Equal("b", sim.Data(0, "k")![Simulation.Value].AsString());
        Assert.Equal("eu-west-1", sim.MetadataOf(2, "k")!.Version.Region);
    }

    [Fact]
    public async Task ItemCopiedFromOneRegionIntoAnother_MetadataAndAll_IsReplicatedAsTheApplicationsWrite()
    {
        var sim = new Simulation();
        sim.Put(0, "k", "a");
        sim.Put(1, "j", "b");
        Assert.True(await sim.SettleAsync());
        sim.Update(0, "k", "a2");
        Assert.True(await sim.StepAsync(0));

        // Region 2 copies k from region 0 before region 0's update reached it.
        sim.Copy(0, 2, "k");
        Assert.True(await sim.SettleAsync());

        Assert.Null(sim.Divergence());
        Assert.Equal("a2", sim.Data(1, "k")![Simulation.Value].AsString());
    }

    [Fact]
    public async Task TtlDelete_IsAVersionedDelete()
    {
        var sim = new Simulation();
        sim.Put(0, "k", "a");
        Assert.True(await sim.SettleAsync());

        sim.ExpireByTtl(2, "k");
        Assert.True(await sim.SettleAsync());

        Assert.Null(sim.Divergence());
        Assert.Null(sim.Item(0, "k"));
        Assert.NotNull(Tombstone.FromItem(sim.Region(1).Get(Replica.TombstonesOf(Simulation.Table), Tombstone.KeyOf(Simulation.KeyOf("k")))));
    }

    [Fact]
    public async Task ConcurrentDeleteAndUpdate_TheNewerWins_Everywhere()
    {
        // awslabs/dynamodb-cross-region-library: a delete/update race left the item alive in one table.
        var sim = new Simulation();
        sim.Put(0, "k", "a");
        Assert.True(await sim.SettleAsync());

        sim.Advance(TimeSpan.FromSeconds(1));
        sim.Delete(0, "k");
        sim.Advance(TimeSpan.FromSeconds(1));
        sim.Update(1, "k", "b");
        Assert.True(await sim.SettleAsync());

        Assert.Null(sim.Divergence());
        Assert.Equal("b", sim.Data(2, "k")![Simulation.Value].AsString());
        Assert.Single(sim.RecordedConflicts());
    }

    [Fact]
    public async Task ItemsFromBeforeTheTableJoined_WithoutMetadata_CountAsOlderThanAnyVersionedWrite()
    {
        var sim = new Simulation();
        foreach (var region in new[] { 0, 1 })
        {
            sim.Region(region).Apply(new TableWrite.Put(Simulation.Table, Simulation.KeyOf("k"), new Dictionary<string, DynamoValue>
            {
                [Simulation.Key] = DynamoValue.String("k"),
                [Simulation.Value] = DynamoValue.String($"legacy-{region}"),
            }, null));
        }

        // The legacy writes were made before replication started: their records are not replicated.
        sim.Rewind(0, 0);
        for (var region = 0; region < 3; region++)
        {
            while (sim.Pending(region) > 0)
            {
                await sim.StepAsync(region, max: sim.Pending(region));
                break;
            }
        }

        sim.Update(2, "k", "fresh");
        Assert.True(await sim.SettleAsync());
        Assert.Null(sim.Divergence());
    }
}
