using Microsoft.Extensions.Time.Testing;
using Replicator.Cli;
using Replicator.Streams;
using Replicator.Tests.Streams;

namespace Replicator.Tests.Watch;

/// <summary>One refresh of <c>status --watch</c> at a time, on a fake clock: what it counts, how often it reads, where throughput comes from.</summary>
public sealed class WatchSamplerTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeStreamsApi _streams = new();
    private readonly InMemoryCheckpointStore _checkpoints = new();
    private readonly FakeTimeProvider _time = new(Start);
    private ProgressSnapshot? _progress;

    private WatchSampler Sampler(double retentionWarning = 0.5) => new(_streams, FakeStreamsApi.Arn, _checkpoints, () => _progress, _time, retentionWarning);

    private List<long> Write(string shard, int count, DateTimeOffset? createdAt = null) =>
        [.. Enumerable.Range(0, count).Select(i => _streams.Append(shard, $"k{i}", i, createdAt ?? Start - TimeSpan.FromMinutes(2)))];

    private Task CheckpointAsync(string shard, long after) => _checkpoints.SaveAsync(
        new StreamCheckpoints(FakeStreamsApi.Arn, new Dictionary<string, ShardCheckpoint> { [shard] = new(after.ToString(System.Globalization.CultureInfo.InvariantCulture)) }),
        TestContext.Current.CancellationToken);

    private int GetRecordsOn(string shard) => _streams.Calls.Count(call => call.StartsWith($"GetRecords {shard}", StringComparison.Ordinal));

    private async Task<ShardWatch> NextAsync(WatchSampler sampler, TimeSpan? after = null)
    {
        _time.Advance(after ?? TimeSpan.FromSeconds(1));
        return Assert.Single((await sampler.SampleAsync(TestContext.Current.CancellationToken)).Shards);
    }

    [Fact]
    public async Task Sample_ReadsAPageARefresh_ThenFollowsTheCheckpoint()
    {
        var shard = _streams.AddShard();
        var sequenceNumbers = Write(shard, 25); // Pages of ten.
        var sampler = Sampler();

        var first = await NextAsync(sampler, TimeSpan.Zero);
        Assert.Equal((10, true), (first.Behind, first.AtLeast));
        Assert.Equal(20, (await NextAsync(sampler)).Behind);
        Assert.Equal(25, (await NextAsync(sampler)).Behind);
        for (var i = 1; i < ReplicationOptions.EmptyPagesToCatchUp; i++)
        {
            Assert.True((await NextAsync(sampler)).AtLeast); // An empty page or two is not the head.
        }

        var head = await NextAsync(sampler);
        Assert.Equal((25, false), (head.Behind, head.AtLeast));
        Assert.Equal(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(2 + ReplicationOptions.EmptyPagesToCatchUp), head.OldestAge);

        await CheckpointAsync(shard, sequenceNumbers[14]);
        var after = await NextAsync(sampler);

        Assert.Equal(10, after.Behind);
        Assert.Equal(15, after.RecordsPerSecond); // No progress file: the records the checkpoint passed in the last second.
    }

    [Fact]
    public async Task Sample_CheckpointPastEverythingRead_ReadsOnFromTheCheckpoint()
    {
        var shard = _streams.AddShard();
        var sequenceNumbers = Write(shard, 40);
        var sampler = Sampler();
        await NextAsync(sampler, TimeSpan.Zero);

        await CheckpointAsync(shard, sequenceNumbers[34]);
        var status = await NextAsync(sampler);

        Assert.Equal(5, status.Behind);
        Assert.Contains($"GetShardIterator {shard} AfterSequenceNumber {sequenceNumbers[34]}", _streams.Calls);
    }

    [Fact]
    public async Task Sample_CaughtUpShardWhoseCheckpointRunsAheadOfTheWatch_StaysExactlyZeroBehind()
    {
        var shard = _streams.AddShard();
        var sampler = Sampler();
        await CheckpointAsync(shard, Write(shard, 5)[^1]);
        for (var i = 0; i < ReplicationOptions.EmptyPagesToCatchUp; i++)
        {
            await NextAsync(sampler);
        }

        // replicate reads and checkpoints new records before the watch's next read, again and again.
        for (var i = 0; i < 3; i++)
        {
            await CheckpointAsync(shard, Write(shard, 3)[^1]);
            var status = await NextAsync(sampler);
            Assert.Equal((0, false), (status.Behind, status.AtLeast));
        }
    }

    [Fact]
    public async Task Sample_ShardReadLessThanASecondAgo_IsNotReadAgain_WhateverTheRefreshRate()
    {
        var shard = _streams.AddShard();
        Write(shard, 100);
        var sampler = Sampler();

        await NextAsync(sampler, TimeSpan.Zero);
        await NextAsync(sampler, TimeSpan.Zero);
        await NextAsync(sampler, TimeSpan.FromMilliseconds(500));
        Assert.Equal(1, GetRecordsOn(shard));

        var status = await NextAsync(sampler, TimeSpan.FromMilliseconds(500));
        Assert.Equal(2, GetRecordsOn(shard));
        Assert.Equal(20, status.Behind);
    }

    [Fact]
    public async Task Sample_FreshProgressFile_GivesReplicatesOwnThroughput_PerShardAndTarget()
    {
        var shard = _streams.AddShard();
        var sampler = Sampler();
        _progress = Snapshot(Start - TimeSpan.FromMilliseconds(500), shard, applied: 100);
        await NextAsync(sampler, TimeSpan.Zero);

        _progress = Snapshot(Start + TimeSpan.FromMilliseconds(500), shard, applied: 160);
        _time.Advance(TimeSpan.FromSeconds(1));
        var frame = await sampler.SampleAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ReplicateState.Running, frame.Replicate);
        Assert.Equal(60, Assert.Single(frame.Shards).RecordsPerSecond);
        var target = Assert.Single(frame.Targets);
        Assert.Equal(("us-west-2", 60.0, 42.0), (target.Region, target.WritesPerSecond, target.LastLagMs));
    }

    [Fact]
    public async Task Sample_ProgressFileSecondsOld_SaysReplicateIsNotRunning()
    {
        _streams.AddShard();
        _progress = Snapshot(Start - TimeSpan.FromSeconds(30), "shardId-0000", applied: 100);

        var frame = await Sampler().SampleAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ReplicateState.Stale, frame.Replicate);
    }

    [Fact]
    public async Task Sample_ProgressFileWrittenAsReplicateStopped_SaysItIsNotRunning()
    {
        _streams.AddShard();
        _progress = Snapshot(Start, "shardId-0000", applied: 100) with { Stopped = true };

        var frame = await Sampler().SampleAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ReplicateState.Stale, frame.Replicate);
    }

    [Fact]
    public async Task Sample_OldestUnreplicatedChangePastTheFraction_CarriesTheRetentionWarning()
    {
        var shard = _streams.AddShard();
        Write(shard, 3, createdAt: Start - TimeSpan.FromHours(13.1));

        var status = await NextAsync(Sampler(), TimeSpan.Zero);

        Assert.StartsWith($"warning: shard {shard}: the oldest unreplicated change is 13.1 h old, past 50%", status.Warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sample_CheckpointPastTheTrimHorizon_SaysDataWasLost()
    {
        var shard = _streams.AddShard();
        var sequenceNumbers = Write(shard, 20);
        await CheckpointAsync(shard, sequenceNumbers[4]);
        _streams.Trim(shard, 10);

        var frame = await Sampler().SampleAsync(TestContext.Current.CancellationToken);

        Assert.Contains("Data was lost from the stream", frame.DataLost, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sample_LagChart_RecordsTheAgeOfTheOldestUnreplicatedChangeEachRefresh()
    {
        var shard = _streams.AddShard();
        Write(shard, 5, createdAt: Start);
        var sampler = Sampler();
        await NextAsync(sampler, TimeSpan.Zero);

        var status = await NextAsync(sampler, TimeSpan.FromSeconds(LagHistory.SliceSeconds));

        Assert.Equal(LagHistory.Columns, status.Lag.Count);
        Assert.Equal([0, LagHistory.SliceSeconds], status.Lag.Skip(LagHistory.Columns - 2).Select(slice => slice ?? -1));
        Assert.All(status.Lag.Take(LagHistory.Columns - 2), slice => Assert.Null(slice));
    }

    [Fact]
    public async Task Sample_ShardListThrottledOnALaterRefresh_ShowsTheLastKnownShards_AndReadsThemOn()
    {
        var shard = _streams.AddShard();
        Write(shard, 25);
        var sampler = Sampler();
        await NextAsync(sampler, TimeSpan.Zero);

        // DescribeStream is read again every ten seconds; a long watch meets a throttled or failed one sooner or later.
        _streams.ThrottleNext = 1;
        var status = await NextAsync(sampler, TimeSpan.FromSeconds(10));

        Assert.Equal(shard, status.ShardId);
        Assert.Equal(20, status.Behind);
        await NextAsync(sampler);
        Assert.Equal(3, _streams.Calls.Count(call => call == "DescribeStream")); // The failed one is asked again at the next refresh.
    }

    private static ProgressSnapshot Snapshot(DateTimeOffset at, string shard, long applied) => new(
        at,
        new Dictionary<string, AppliedCount> { [shard] = new(applied, 42) },
        new Dictionary<string, AppliedCount> { ["us-west-2"] = new(applied, 42) });
}
