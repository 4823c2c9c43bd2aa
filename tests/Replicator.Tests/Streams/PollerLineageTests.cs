using Replicator.Streams;

namespace Replicator.Tests.Streams;

/// <summary>Shards leaving the stream (DynamoDB drops a closed shard about 24 hours after it closes): nothing is lost silently, and the checkpoint stays small.</summary>
public sealed class PollerLineageTests
{
    private readonly PollerHarness _h = new();

    [Fact]
    public async Task Run_ShardGoneFromTheStreamBeforeItWasReadToItsEnd_StopsSayingDataWasLost()
    {
        var parent = _h.Streams.AddShard();
        _h.WriteMany(parent, 10);
        Assert.Equal(PollerStop.Idle, (await _h.RunAsync()).Stop);
        var checkpoint = _h.CheckpointOf(parent)!.SequenceNumber!;

        // While replication is down, the shard gets more records, closes, and leaves the stream with them.
        _h.WriteMany(parent, 5, prefix: "lost");
        _h.Streams.Close(parent);
        var child = _h.Streams.AddShard(parent);
        _h.WriteMany(child, 5, prefix: "child");
        _h.Streams.Remove(parent);

        var outcome = await _h.RunAsync();

        Assert.Equal(PollerStop.Failed, outcome.Stop);
        Assert.Contains("Data was lost from the stream", outcome.Error, StringComparison.Ordinal);
        Assert.Contains("backfill", outcome.Error, StringComparison.Ordinal);
        Assert.Contains(parent, outcome.Error, StringComparison.Ordinal);
        Assert.Contains(checkpoint, outcome.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(_h.Streams.Calls, call => call.StartsWith($"GetShardIterator {child} ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_ParentShardCameAndWentWhileNotRead_StopsSayingDataWasLost()
    {
        var root = _h.Streams.AddShard();
        _h.WriteMany(root, 5);
        _h.Streams.Close(root);
        Assert.Equal(PollerStop.Idle, (await _h.RunAsync()).Stop);

        // While replication is down, a whole generation opens, closes and leaves the stream, unread.
        var unread = _h.Streams.AddShard(root);
        _h.WriteMany(unread, 5, prefix: "lost");
        _h.Streams.Close(unread);
        var grandchild = _h.Streams.AddShard(unread);
        _h.Streams.Remove(root);
        _h.Streams.Remove(unread);

        var outcome = await _h.RunAsync();

        Assert.Equal(PollerStop.Failed, outcome.Stop);
        Assert.Contains("Data was lost from the stream", outcome.Error, StringComparison.Ordinal);
        Assert.Contains(unread, outcome.Error, StringComparison.Ordinal);
        Assert.Contains(grandchild, outcome.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(_h.Streams.Calls, call => call.StartsWith($"GetShardIterator {grandchild} ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_ChildOfAParentReadToItsEndThatLeftTheStream_IsRead()
    {
        var parent = _h.Streams.AddShard();
        _h.WriteMany(parent, 5);
        _h.Streams.Close(parent);
        Assert.Equal(PollerStop.Idle, (await _h.RunAsync()).Stop);
        var child = _h.Streams.AddShard(parent);
        _h.WriteMany(child, 8, prefix: "child");
        _h.Streams.Remove(parent);

        var outcome = await _h.RunAsync();

        Assert.Equal(PollerStop.Idle, outcome.Stop);
        _h.AssertTargetIsUpToDate();
    }

    [Fact]
    public async Task Run_FirstRun_ShardWhoseParentAlreadyLeft_StartsAtItsTrimHorizon()
    {
        var parent = _h.Streams.AddShard();
        _h.Streams.Close(parent);
        var child = _h.Streams.AddShard(parent);
        _h.WriteMany(child, 8);
        _h.Streams.Remove(parent);

        var outcome = await _h.RunAsync();

        Assert.Equal(PollerStop.Idle, outcome.Stop);
        Assert.Contains($"GetShardIterator {child} TrimHorizon ", _h.Streams.Calls);
        _h.AssertTargetIsUpToDate();
    }

    [Fact]
    public async Task Run_ReaderStart_PinsTheShardInTheCheckpoint_BeforeAnyRecord()
    {
        var shard = _h.Streams.AddShard();

        await _h.RunAsync();

        var pinned = _h.CheckpointOf(shard);
        Assert.NotNull(pinned);
        Assert.Null(pinned.SequenceNumber);
        Assert.False(pinned.Finished);
    }

    [Fact]
    public async Task Run_ManyGenerationsOfShardsClosingAndLeaving_KeepsTheCheckpointBoundedByTheLiveShards()
    {
        var shards = new List<string> { _h.Streams.AddShard() };
        _h.WriteMany(shards[0], 3);
        Assert.Equal(PollerStop.Idle, (await _h.RunAsync()).Stop);
        for (var generation = 1; generation <= 12; generation++)
        {
            _h.Streams.Close(shards[^1]);
            shards.Add(_h.Streams.AddShard(shards[^1]));
            _h.WriteMany(shards[^1], 3);
            if (generation >= 2)
            {
                _h.Streams.Remove(shards[^3]);
            }

            Assert.Equal(PollerStop.Idle, (await _h.RunAsync()).Stop);
        }

        _h.AssertTargetIsUpToDate();
        Assert.InRange(_h.Checkpoints.Saves.Max(save => save.Shards.Count), 1, 3);
        Assert.Equal(shards.TakeLast(2).Order(StringComparer.Ordinal), _h.Checkpoints.Current!.Shards.Keys.Order(StringComparer.Ordinal));
    }
}
