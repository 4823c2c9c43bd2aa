using Replicator.Backfill;
using Replicator.Backfill.Live;
using Replicator.Model;
using Replicator.MultiActive;
using Replicator.Streams;
using Replicator.Tests.Streams;

namespace Replicator.Tests.Backfill.Live;

/// <summary>
/// <c>replicate --backfill</c> in memory: the copy beside replication, each test placing a
/// replicated change at the moment of the copy it is about (see <see cref="LiveCopyRig"/>).
/// </summary>
public sealed class LiveBackfillTests : IDisposable
{
    private readonly LiveCopyRig _rig = new();

    public void Dispose() => _rig.Dispose();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static bool IsCopyOf(TableWrite write, string key) => write is TableWrite.Put && write.Key.Equals(LiveCopyRig.Key(key));

    [Fact]
    public async Task Copy_OfAKeyDeletedAndReplicatedBetweenItsScanAndItsWrite_DoesNotBringItBack()
    {
        Assert.Equal(LiveCopyPhase.Copying, await _rig.PrepareAsync());
        var markerSeen = false;
        _rig.TargetTables.BeforeWrite = async (write, _) =>
        {
            if (IsCopyOf(write, "user05") && !markerSeen)
            {
                _rig.Delete("user05");
                await _rig.ReplicateAsync();
                markerSeen = _rig.TargetHoldsMarker("user05");
            }
        };

        var result = await _rig.CompleteAsync();
        await _rig.ReplicateAsync();

        Assert.True(markerSeen, "the replicated delete did not leave a marker while the copy ran");
        Assert.Null(_rig.TargetVersion("user05"));
        Assert.Equal(1, result.Stood);
        _rig.AssertConverged();
    }

    [Fact]
    public async Task Copy_OfAKeyUpdatedAndReplicatedBeforeTheCopyReadsTheTarget_DoesNotOverwriteItWithTheOlderScan()
    {
        await _rig.PrepareAsync();
        var updated = false;
        _rig.TargetTables.BeforeRead = async (keys, _) =>
        {
            if (keys.Contains(LiveCopyRig.Key("user07")) && !updated)
            {
                updated = true;
                _rig.Put("user07", 2);
                await _rig.ReplicateAsync();
            }
        };

        var result = await _rig.CompleteAsync();

        Assert.True(updated);
        Assert.Equal(2, _rig.TargetVersion("user07"));
        Assert.Equal((29, 1), (result.Written, result.Stood));
        _rig.AssertConverged();
    }

    [Fact]
    public async Task Copy_ThatLandsFirst_IsOverwrittenByTheLaterReplicatedChanges_AndItsDeleteLeavesAMarkerUntilTheSweep()
    {
        await _rig.PrepareAsync();
        var changed = false;
        (int? Version, bool Marker) during = default;
        _rig.TargetTables.BeforeWrite = async (write, _) =>
        {
            if (write is TableWrite.Put && !changed && _rig.TargetVersion("user03") == 1 && _rig.TargetVersion("user04") == 1)
            {
                changed = true;
                _rig.Put("user03", 2);
                _rig.Delete("user04");
                await _rig.ReplicateAsync();
                during = (_rig.TargetVersion("user03"), _rig.TargetHoldsMarker("user04"));
            }
        };

        var result = await _rig.CompleteAsync();

        Assert.True(changed, "the copy never had both keys on the target while it wrote more");
        Assert.Equal((2, true), during);
        Assert.Equal(1, result.MarkersSwept);
        Assert.Null(_rig.TargetVersion("user04"));
        _rig.AssertConverged();
    }

    [Fact]
    public async Task Sweep_RemovesEveryMarker_AndAMarkerReplacedByAReplicatedPutMeanwhile_KeepsThePut()
    {
        await _rig.PrepareAsync();
        _rig.Delete("user01");
        _rig.Delete("user02");
        _rig.Delete("user03");
        await _rig.ReplicateAsync();
        Assert.True(_rig.TargetHoldsMarker("user02"));
        var putBack = false;
        _rig.TargetTables.BeforeWrite = async (write, _) =>
        {
            if (write is TableWrite.Delete && write.Key.Equals(LiveCopyRig.Key("user02")) && !putBack)
            {
                // After the switch: this put replicates as itself over the marker, and the sweep must not delete it.
                putBack = true;
                _rig.Put("user02", 5);
                await _rig.ReplicateAsync();
            }
        };

        var result = await _rig.CompleteAsync();

        Assert.True(putBack, "the sweep never came to user02's marker");
        Assert.Equal((2L, 1L), (result.MarkersSwept, result.MarkersReplaced));
        Assert.Equal(5, _rig.TargetVersion("user02"));
        Assert.DoesNotContain(_rig.Target.Items.Values, DeleteMarker.IsMarker);
        Assert.False(File.Exists(_rig.ProgressPath), "the progress file outlived the sweep");
        _rig.AssertConverged();
    }

    [Fact]
    public async Task Run_KilledMidCopy_ResumesTheCopyAndReplicationFromWhereTheyWere_AndConverges()
    {
        await _rig.PrepareAsync();
        using var kill = new CancellationTokenSource();
        _rig.Reader.BeforeScan = async (segment, call, _) =>
        {
            if (segment == 1 && call == 2)
            {
                _rig.Put("user00", 2);
                _rig.Delete("user01");
                _rig.Delete("user29");
                await _rig.ReplicateAsync();
                await kill.CancelAsync();
                kill.Token.ThrowIfCancellationRequested();
            }
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _rig.CompleteAsync(cancellationToken: kill.Token));

        var stopped = BackfillState.Load(_rig.ProgressPath);
        Assert.Equal(LiveCopyPhase.Copying, stopped?.Phase);
        Assert.Contains(stopped!.Segments, segment => !segment.Done);
        _rig.Reader.BeforeScan = (_, _, _) => Task.CompletedTask;
        _rig.NewProcess();
        Assert.Equal(LiveCopyPhase.Copying, await _rig.PrepareAsync());
        _rig.Put("user01", 3);
        _rig.Delete("user10");
        await _rig.ReplicateAsync();
        await _rig.CompleteAsync();
        _rig.Put("user11", 4);
        await _rig.ReplicateAsync();

        Assert.Contains(_rig.Log, line => line.StartsWith("resuming replicate --backfill", StringComparison.Ordinal));
        _rig.AssertConverged();
    }

    [Fact]
    public async Task Run_KilledMidSweep_ResumesWithPlainDeletes_RunsTheSweepAgain_AndConverges()
    {
        await _rig.PrepareAsync();
        _rig.Delete("user01");
        _rig.Delete("user02");
        await _rig.ReplicateAsync();
        Assert.Equal(2, _rig.Target.Items.Values.Count(DeleteMarker.IsMarker));
        using var kill = new CancellationTokenSource();
        _rig.TargetTables.BeforeWrite = async (write, _) =>
        {
            if (write is TableWrite.Delete)
            {
                // Every delete stops here, not only the first: the kill takes them all in flight.
                await kill.CancelAsync();
                kill.Token.ThrowIfCancellationRequested();
            }
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _rig.CompleteAsync(cancellationToken: kill.Token));

        Assert.Equal(LiveCopyPhase.Sweeping, BackfillState.Load(_rig.ProgressPath)?.Phase);
        Assert.Equal(2, _rig.Target.Items.Values.Count(DeleteMarker.IsMarker));
        _rig.TargetTables.BeforeWrite = (_, _) => Task.CompletedTask;
        _rig.NewProcess();
        Assert.Equal(LiveCopyPhase.Sweeping, await _rig.PrepareAsync());
        Assert.False(_rig.Deletes.WritesMarkers, "a resumed sweep must replicate deletes as deletes");
        _rig.Delete("user20");
        await _rig.ReplicateAsync();
        Assert.False(_rig.Target.Items.ContainsKey(LiveCopyRig.Key("user20")), "the delete after the copy left a marker or the item");
        var left = _rig.Target.Items.Values.Count(DeleteMarker.IsMarker);
        var result = await _rig.CompleteAsync();

        // A replay of the stream past the checkpoint may have deleted some (plainly) already; the sweep takes the rest.
        Assert.Equal(left, result.MarkersSwept);
        Assert.DoesNotContain(_rig.Target.Items.Values, DeleteMarker.IsMarker);
        _rig.AssertConverged();
    }

    [Fact]
    public async Task Prepare_NewCopyIntoATargetThatHoldsItems_IsRefused_AndTakesNoPosition()
    {
        _rig.Target.Put(Fixtures.Events.Item("stale", 1));

        var prepared = await _rig.Live.PrepareAsync(_rig.Request(), FakeStreamsApi.Arn, Token);

        var refused = Assert.IsType<LivePreparation.Refused>(prepared);
        Assert.Contains("holds items", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_rig.ProgressPath));
        Assert.False(File.Exists(_rig.CheckpointPath));
    }

    [Fact]
    public async Task Backfill_OfACheckpointWhoseLiveCopyIsUnfinished_RefusesToResumeItUnguarded()
    {
        await _rig.PrepareAsync();
        var backfiller = new Backfiller(_rig.Source, [_rig.Target], _rig.Streams, TimeProvider.System, new Random(1), _ => { });

        var refusal = await Assert.ThrowsAsync<CheckpointException>(() => backfiller.RunAsync(_rig.Request(), FakeStreamsApi.Arn, Token));

        Assert.Contains("replicate --backfill", refusal.Message, StringComparison.Ordinal);
        Assert.Empty(_rig.Target.Items);
    }

    [Fact]
    public async Task Prepare_OverAnUnfinishedBackfill_TakesItOverGuarded_KeepingItsPositionAndSegments()
    {
        var stopped = new BackfillState(_rig.Source.Table.ToString(), _rig.Target.Table.ToString(), FakeStreamsApi.Arn, DateTimeOffset.UnixEpoch, 5, [new SegmentState(true, null), new SegmentState(false, null), new SegmentState(false, null)]);
        stopped.Save(_rig.ProgressPath);
        await new FileCheckpointStore(_rig.CheckpointPath).SaveAsync(new StreamCheckpoints(FakeStreamsApi.Arn, new Dictionary<string, ShardCheckpoint>()), Token);

        Assert.Equal(LiveCopyPhase.Copying, await _rig.PrepareAsync());

        var state = BackfillState.Load(_rig.ProgressPath);
        Assert.Equal((LiveCopyPhase.Copying, true, DateTimeOffset.UnixEpoch), (state?.Phase, state?.Segments[0].Done, state?.StartedAt));
        Assert.Contains(_rig.Log, line => line.StartsWith("taking over the backfill", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Copy_OfASourceItemWithTheReservedAttribute_StopsSayingSo_AndKeepsTheProgressFile()
    {
        _rig.Source.Put(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String("user15"), [DeleteMarker.Attribute] = DynamoValue.Bool(false) });
        await _rig.PrepareAsync();

        var stopped = await Assert.ThrowsAsync<BackfillException>(() => _rig.CompleteAsync());

        Assert.Contains($"the attribute {DeleteMarker.Attribute}", stopped.Message, StringComparison.Ordinal);
        Assert.Equal(LiveCopyPhase.Copying, BackfillState.Load(_rig.ProgressPath)?.Phase);
        Assert.False(_rig.Target.Items.ContainsKey(LiveCopyRig.Key("user15")));
    }
}
