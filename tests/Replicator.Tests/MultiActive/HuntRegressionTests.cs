using Replicator.Model;
using Replicator.MultiActive;

namespace Replicator.Tests.MultiActive;

/// <summary>
/// Failures found by hunting (a wider model: 2-4 regions, 1-5 keys, big skews, stale writes, conflicts checked), each cut down to the few steps that
/// cause it. Regions: 0 us-east-1, 1 eu-west-1, 2 ap-southeast-2. Each comment traces the
/// records (<see cref="Simulation.Trace"/>) that lead to the failure.
/// </summary>
public sealed class HuntRegressionTests
{
    private static string? Value(Simulation sim, int region, string key) =>
        sim.Data(region, key) is { } data && data.TryGetValue(Simulation.Value, out var value) ? value.AsString() : null;

    [Fact]
    public async Task LostWrite_IsRecordedOnce_WhenAReplayFindsANewerWinnerInItsPlace()
    {
        // eu-west-1's "lost" is overwritten by us-east-1's "winner1" before its stamp: its replicator
        // records it lost to winner1. us-east-1 then writes "winner2" over winner1 (it had seen
        // winner1: not a conflict). eu-west-1's replicator replays "lost": the item now holds
        // winner2, which had not seen "lost" either, and a second conflict, with another id
        // (winner and loser versions), was recorded for the same lost write.
        var sim = new Simulation();
        sim.Put(0, "k", "base");
        Assert.True(await sim.SettleAsync());

        sim.Advance(TimeSpan.FromSeconds(1));
        sim.Put(1, "k", "lost");
        sim.Advance(TimeSpan.FromSeconds(1));
        sim.Update(0, "k", "winner1");
        Assert.True(await sim.StepAsync(0));
        Assert.True(await sim.StepAsync(1));
        Assert.True(await sim.SettleAsync());

        sim.Advance(TimeSpan.FromSeconds(1));
        sim.Update(0, "k", "winner2");
        Assert.True(await sim.SettleAsync());

        sim.Rewind(1, 1000);
        Assert.True(await sim.SettleAsync());

        Assert.Null(sim.Divergence());
        Assert.Equal("winner2", Value(sim, 2, "k"));
        var lost = sim.RecordedConflicts().Where(c => c.Loser.Image?[Simulation.Value].AsString() == "lost").ToList();
        Assert.True(lost.Count == 1, $"{lost.Count} conflicts for one lost write: {string.Join(" | ", lost.Select(c => $"lost to {c.Winner.Version}"))}\n{sim.Trace("k")}");
    }

    [Fact]
    public async Task Delete_ThatLosesToAConcurrentWrite_WhichArrivedBeforeItsTombstone_IsRecordedAsAConflict()
    {
        // us-east-1 deletes; eu-west-1 updates a second later, not having seen the delete. eu-west-1's
        // replicator runs first: its forward finds no item and no tombstone in us-east-1 and
        // inserts "later" there (a Replicator record). us-east-1's replicator then keeps its delete
        // as a tombstone and finds "later" in the table, newer: the delete lost, to a write that
        // had not seen it. Nobody recorded it: the insert's record was checked for a displaced
        // delete before the tombstone existed, and LocalDelete passes over a newer version of
        // another region without a word.
        var sim = new Simulation();
        sim.Put(0, "k", "base");
        Assert.True(await sim.SettleAsync());

        sim.Advance(TimeSpan.FromSeconds(1));
        sim.Delete(0, "k");
        sim.Advance(TimeSpan.FromSeconds(1));
        sim.Update(1, "k", "later");
        Assert.True(await sim.StepAsync(1));
        Assert.True(await sim.SettleAsync());

        Assert.Null(sim.Divergence());
        Assert.Equal("later", Value(sim, 0, "k"));
        var conflict = Assert.Single(sim.RecordedConflicts());
        Assert.True(conflict.Loser.IsDelete);
        Assert.Equal("us-east-1", conflict.DetectedIn);
        Assert.Equal(sim.MetadataOf(0, "k")!.Version, conflict.Winner.Version);
    }

    [Fact]
    public async Task ReplayedForward_OverAnUnstampedWrite_IsNotTakenForThisRegionsWrite_AndTheLastWriteStands()
    {
        // eu-west-1 puts "old"; us-east-1 holds it (old@eu). In us-east-1 the application updates it
        // to "mine" (the update keeps old@eu's metadata), then puts "mine2" (no metadata).
        // eu-west-1's replicator replays its put: the forward's condition (no version, or an older
        // one) lets old@eu in again over the unstamped mine2. us-east-1's replicator stamps
        // "mine" on condition the metadata is old@eu, as its record left it: it is, again (ABA),
        // so the stamp lands on the data "old", and the stamped item is dirty. LocalWrite took
        // that for an application write since and versioned "old" as us-east-1's own; the
        // stamp's record (a version of us-east-1 whose digest is not its data) reads as an
        // application write and was versioned once more, later than mine2: "old" won everywhere,
        // a value no region had last written, and mine2 was lost without a conflict.
        var sim = new Simulation(regions: 2);
        sim.Put(1, "k", "old");
        Assert.True(await sim.SettleAsync());

        sim.Advance(TimeSpan.FromSeconds(1));
        sim.Update(0, "k", "mine");
        sim.Advance(TimeSpan.FromSeconds(1));
        sim.Put(0, "k", "mine2");

        sim.Rewind(1, 1000);
        Assert.True(await sim.StepAsync(1, max: 1));
        Assert.Equal("old", Value(sim, 0, "k"));

        // us-east-1's replicator takes "mine" alone, then the rest.
        Assert.True(await sim.StepAsync(0, max: 1));
        Assert.True(await sim.SettleAsync());

        Assert.Null(sim.Divergence());
        Assert.True(Value(sim, 1, "k") == "mine2", $"k holds {Value(sim, 1, "k")}, not us-east-1's last write mine2\n{sim.Trace("k")}");
    }

    [Fact]
    public async Task ReplayedInsert_ThatLostBeforeALaterDelete_DoesNotComeBackAfterTheDelete()
    {
        // k is deleted everywhere (tombstone d1). ap-southeast-2 inserts "mine"; a second later
        // eu-west-1 inserts "winner", which lands over the unstamped mine in ap-southeast-2; mine
        // is recorded lost to it. eu-west-1 then deletes k, having seen winner (tombstone d2
        // everywhere). ap-southeast-2's replicator replays the insert of mine: an insert takes the
        // tombstone as history (the delete before it), but the tombstone there now is d2, a
        // delete made after the insert that never saw it. mine got a version later than d2, was
        // put back and forwarded: a deleted key came back with a write that had lost.
        var sim = new Simulation();
        sim.Put(0, "k", "a");
        Assert.True(await sim.SettleAsync());
        sim.Advance(TimeSpan.FromSeconds(1));
        sim.Delete(0, "k");
        Assert.True(await sim.SettleAsync());

        sim.Advance(TimeSpan.FromSeconds(1));
        sim.Put(2, "k", "mine");
        sim.Advance(TimeSpan.FromSeconds(1));
        sim.Put(1, "k", "winner");
        Assert.True(await sim.StepAsync(1));
        Assert.True(await sim.SettleAsync());
        Assert.Equal("winner", Value(sim, 2, "k"));

        sim.Advance(TimeSpan.FromSeconds(1));
        sim.Delete(1, "k");
        Assert.True(await sim.SettleAsync());
        Assert.Null(sim.Item(2, "k"));

        sim.Rewind(2, 1000);
        Assert.True(await sim.SettleAsync());

        Assert.Null(sim.Divergence());
        Assert.True(sim.Item(0, "k") is null, $"k came back as {Value(sim, 0, "k")}\n{sim.Trace("k")}");
    }
}
