using Replicator.Applying;
using Replicator.Backfill.Live;
using Replicator.Model;
using Replicator.Planning;

namespace Replicator.Tests.Backfill.Live;

/// <summary>
/// A replicated item that carries the markers' attribute while a live copy runs: the sweep would
/// take it for a marker and delete it, so replication refuses it as poison (dead-lettered, or
/// its shard stops, saying why) until the sweep is done, and writes it after.
/// </summary>
public sealed class ReservedAttributeTests : IDisposable
{
    private readonly LiveCopyRig _rig = new();

    public void Dispose() => _rig.Dispose();

    private static WriteAction PutWithTheAttribute() => WriteAction.Copy(LiveCopyRig.Key("zzz-new"), new Dictionary<string, DynamoValue>(StringComparer.Ordinal)
    {
        ["pk"] = DynamoValue.String("zzz-new"),
        [DeleteMarker.Attribute] = DynamoValue.Bool(false),
        ["v"] = DynamoValue.Number("1"),
    });

    [Fact]
    public async Task ReplicatedPut_WithTheMarkersAttribute_WhileTheCopyRuns_IsRefusedAsPoison_NamingTheAttribute_AndTheSweepDeletesNothingOfIt()
    {
        await _rig.PrepareAsync();

        var batch = await _rig.EngineWriter.WriteBatchAsync([PutWithTheAttribute()], TestContext.Current.CancellationToken);
        var single = await _rig.EngineWriter.WriteOneAsync(PutWithTheAttribute(), TestContext.Current.CancellationToken);

        var refused = Assert.IsType<BatchOutcome.Failed>(batch);
        Assert.Equal(TargetErrorKind.Poison, refused.Refusal.Kind);
        Assert.Contains(DeleteMarker.Attribute, refused.Refusal.Message, StringComparison.Ordinal);
        Assert.Equal(TargetErrorKind.Poison, Assert.IsType<WriteOutcome.Failed>(single).Refusal.Kind);
        Assert.False(_rig.Target.Items.ContainsKey(LiveCopyRig.Key("zzz-new")));

        await _rig.CompleteAsync();

        // Once the markers are swept, the same put is written (a redrive of its letter, or the shard's retry).
        Assert.IsType<WriteOutcome.Written>(await _rig.EngineWriter.WriteOneAsync(PutWithTheAttribute(), TestContext.Current.CancellationToken));
        Assert.True(_rig.Target.Items.ContainsKey(LiveCopyRig.Key("zzz-new")));
    }
}
