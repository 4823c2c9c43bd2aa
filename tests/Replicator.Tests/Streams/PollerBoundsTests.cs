using System.Diagnostics;
using Replicator.Streams;

namespace Replicator.Tests.Streams;

/// <summary>
/// What keeps the poller bounded at many shards: checkpoint writes coalesced across shards, reads
/// and applies in flight capped over all shards, one reader per shard, and GetRecords on a shard
/// paced to the service's limit (bench/scale-poller.py measures them on the stand-in).
/// </summary>
public sealed class PollerBoundsTests
{
    private readonly PollerHarness _h = new();

    private void WriteToEachShard(int shards, int records)
    {
        for (var s = 0; s < shards; s++)
        {
            _h.WriteMany(_h.Streams.AddShard(), records, prefix: $"s{s}-");
        }
    }

    [Fact]
    public async Task Run_ManyShards_WritesTheCheckpointAtMostOncePerInterval_AndWhenItStops()
    {
        var interval = TimeSpan.FromMilliseconds(100);
        _h.Settings = _h.Settings with { CheckpointInterval = interval };
        _h.Api = new SlowStreamsApi(_h.Streams, TimeSpan.FromMilliseconds(2));
        WriteToEachShard(shards: 24, records: 40);
        var clock = Stopwatch.StartNew();
        var saves = new List<TimeSpan>();
        _h.Checkpoints.OnSave = _ =>
        {
            lock (saves)
            {
                saves.Add(clock.Elapsed);
            }
        };
        var poller = _h.Poller();

        var outcome = await _h.RunAsync(poller);

        Assert.Equal(PollerStop.Idle, outcome.Stop);
        _h.AssertTargetIsUpToDate();
        // The first save pins every shard at once; after it, each write waited the interval (the last one, the stop's, need not).
        var gaps = saves.Zip(saves.Skip(1), (a, b) => b - a).Skip(1).SkipLast(1).ToList();
        Assert.All(gaps, gap => Assert.True(gap >= interval, $"two checkpoint writes {gap.TotalMilliseconds} ms apart, sooner than the {interval.TotalMilliseconds} ms interval"));
        Assert.True(poller.Progress.Batches >= 24 * 4, $"{poller.Progress.Batches} batches: the test needs every shard's four pages");
        Assert.True(saves.Count < poller.Progress.Batches / 4, $"{saves.Count} checkpoint writes for {poller.Progress.Batches} batches");
        // Written when it stopped: every shard at its last record.
        Assert.All(_h.Streams.ShardIds, shard => Assert.Equal(_h.Streams.LastSequenceNumber(shard), _h.CheckpointOf(shard)?.SequenceNumber));
    }

    [Fact]
    public async Task Run_CheckpointIntervalZero_WritesAfterEveryBatch()
    {
        _h.Settings = _h.Settings with { CheckpointInterval = TimeSpan.Zero };
        WriteToEachShard(shards: 4, records: 40);
        var poller = _h.Poller();

        await _h.RunAsync(poller);

        Assert.True(_h.Checkpoints.Saves.Count >= poller.Progress.Batches, $"{_h.Checkpoints.Saves.Count} writes for {poller.Progress.Batches} batches");
        _h.AssertTargetIsUpToDate();
    }

    /// <summary>A crash loses the positions noted since the last write: the restart reads them again, and the targets still end up identical.</summary>
    [Fact]
    public async Task Run_CrashedBetweenCheckpointWrites_RestartReplaysFromTheLastWrite_AndTheTargetEndsUpToDate()
    {
        _h.Settings = _h.Settings with { CheckpointInterval = TimeSpan.FromMilliseconds(20) };
        _h.Api = new SlowStreamsApi(_h.Streams, TimeSpan.FromMilliseconds(10));
        WriteToEachShard(shards: 6, records: 60);
        var crashed = new InMemoryCheckpointStore();
        _h.Checkpoints.OnSave = save =>
        {
            // What a crash after the third write would have left.
            if (_h.Checkpoints.Saves.Count < 3)
            {
                crashed.SaveAsync(save, CancellationToken.None);
            }
        };
        await _h.RunAsync();
        Assert.Contains(_h.Streams.ShardIds, shard => crashed.Current?.Shards.GetValueOrDefault(shard)?.SequenceNumber != _h.Streams.LastSequenceNumber(shard));

        foreach (var shard in _h.Streams.ShardIds)
        {
            _h.WriteMany(shard, 7, prefix: $"{shard}-after-");
        }

        _h.Store = crashed;
        var restarted = _h.Poller();
        var outcome = await _h.RunAsync(restarted);

        Assert.Equal(PollerStop.Idle, outcome.Stop);
        Assert.True(restarted.Progress.RecordsIn > 6 * 7, "the restart read only the new records: nothing was replayed from the last write");
        _h.AssertTargetIsUpToDate();
    }

    [Fact]
    public async Task Run_ManyShards_NeverReadsAShardTwiceAtOnce_NorMoreThanTheCapOverAll()
    {
        _h.Settings = _h.Settings with { MaxConcurrentReads = 4 };
        var api = new SlowStreamsApi(_h.Streams, TimeSpan.FromMilliseconds(3));
        _h.Api = api;
        WriteToEachShard(shards: 40, records: 25);

        var outcome = await _h.RunAsync();

        Assert.Equal(PollerStop.Idle, outcome.Stop);
        _h.AssertTargetIsUpToDate();
        Assert.Equal(1, api.Reads.MostForOneKey);
        Assert.InRange(api.Reads.Most, 2, 4);
    }

    [Fact]
    public async Task Run_ManyShards_NeverAppliesMoreBatchesAtOnceThanTheCap()
    {
        _h.Settings = _h.Settings with { MaxConcurrentApplies = 3 };
        // Pages of 10 records on at most 7 keys: one request a batch, so requests in flight are batches in flight.
        var target = new SlowTarget(_h.Target, TimeSpan.FromMilliseconds(3));
        _h.Writer = target;
        WriteToEachShard(shards: 30, records: 30);

        var outcome = await _h.RunAsync();

        Assert.Equal(PollerStop.Idle, outcome.Stop);
        _h.AssertTargetIsUpToDate();
        Assert.InRange(target.Requests.Most, 2, 3);
    }

    [Fact]
    public async Task Run_PagesOfRecords_AreReadNoMoreOftenThanTheShardsReadInterval()
    {
        var interval = TimeSpan.FromMilliseconds(60);
        _h.Settings = _h.Settings with { MinShardReadInterval = interval };
        var shard = _h.Streams.AddShard();
        _h.WriteMany(shard, 60);

        await _h.RunAsync();

        _h.AssertTargetIsUpToDate();
        var reads = _h.Streams.Calls.Select((call, i) => (call, at: _h.Streams.CallTimes[i]))
            .Where(pair => pair.call.StartsWith($"GetRecords {shard}", StringComparison.Ordinal))
            .Select(pair => pair.at)
            .ToList();
        Assert.True(reads.Count >= 6, $"{reads.Count} reads");
        Assert.All(reads.Zip(reads.Skip(1), (a, b) => b - a), gap => Assert.True(gap >= interval - TimeSpan.FromMilliseconds(5), $"two GetRecords {gap.TotalMilliseconds} ms apart"));
    }

    /// <summary>A roll ends every shard's reader at once: the shards are listed again soon, but not once for each.</summary>
    [Fact]
    public async Task Run_ManyShardsEndingTogether_ListTheShardsAtMostOncePerGap()
    {
        var gap = TimeSpan.FromMilliseconds(100);
        _h.Settings = _h.Settings with { DescribeStreamPageInterval = gap, DiscoveryInterval = TimeSpan.FromSeconds(10) };
        for (var s = 0; s < 30; s++)
        {
            var parent = _h.Streams.AddShard();
            _h.WriteMany(parent, 5, prefix: $"s{s}-");
            _h.Streams.Close(parent);
            _h.WriteMany(_h.Streams.AddShard(parent), 5, prefix: $"s{s}-child-");
        }

        var outcome = await _h.RunAsync();

        Assert.Equal(PollerStop.Idle, outcome.Stop);
        _h.AssertTargetIsUpToDate();
        var listings = _h.Streams.Calls.Select((call, i) => (call, at: _h.Streams.CallTimes[i])).Where(pair => pair.call == "DescribeStream").Select(pair => pair.at).ToList();
        Assert.All(listings.Zip(listings.Skip(1), (a, b) => b - a), between => Assert.True(between >= gap - TimeSpan.FromMilliseconds(1), $"two DescribeStream {between.TotalMilliseconds} ms apart"));
    }

    [Fact]
    public void Settings_ByDefault_KeepToDynamoDbsFiveReadsASecondPerShard_AndWriteTheCheckpointOnceASecond()
    {
        var settings = new PollerSettings { StreamArn = FakeStreamsApi.Arn };

        Assert.Equal(TimeSpan.FromMilliseconds(200), settings.MinShardReadInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), settings.CheckpointInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(100), settings.DescribeStreamPageInterval);
        Assert.Equal((32, 16), (settings.MaxConcurrentReads, settings.MaxConcurrentApplies));
    }
}
