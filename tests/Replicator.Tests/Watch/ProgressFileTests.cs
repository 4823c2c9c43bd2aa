using Replicator.Cli;
using Replicator.Model;
using Replicator.Streams;

namespace Replicator.Tests.Watch;

/// <summary>replicate's progress file, beside the checkpoint: what status --watch reads for throughput.</summary>
public sealed class ProgressFileTests : IDisposable
{
    private readonly string _checkpoint = Path.Combine(Path.GetTempPath(), $"progress-{Guid.NewGuid():N}", "cp.json");

    public void Dispose()
    {
        if (Directory.Exists(Path.GetDirectoryName(_checkpoint)))
        {
            Directory.Delete(Path.GetDirectoryName(_checkpoint)!, recursive: true);
        }
    }

    private static BatchReport Batch(int applied, double lagMs) =>
        new(applied, applied, applied, 0, 0, 0, null, [], [new TargetLatency("us-west-2", [.. Enumerable.Repeat(lagMs, applied)])], TimeSpan.Zero);

    [Fact]
    public void Write_ThenRead_GivesTheCountsPerShardAndTarget_AndLeavesTheCheckpointAlone()
    {
        var progress = new PollerProgress();
        progress.Add(Batch(10, 120), "shardId-1");
        progress.Add(Batch(5, 80), "shardId-1");
        progress.Add(Batch(7, 30), "shardId-2");
        var at = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

        ProgressFile.Write(_checkpoint, "arn:stream", progress, at);
        var read = ProgressFile.Read(_checkpoint);

        Assert.NotNull(read);
        Assert.Equal(at, read.WrittenAt);
        Assert.False(read.Stopped);
        Assert.Equal(new AppliedCount(15, 80), read.Shards["shardId-1"]);
        Assert.Equal(new AppliedCount(7, 30), read.Shards["shardId-2"]);
        Assert.Equal(new AppliedCount(22, 30), read.Targets["us-west-2"]);
        Assert.Equal(_checkpoint + ".progress.json", ProgressFile.PathFor(_checkpoint));
        Assert.False(File.Exists(_checkpoint));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(_checkpoint)!)); // No temporary file left behind.
    }

    [Fact]
    public void Write_AsReplicateStops_SaysSo()
    {
        ProgressFile.Write(_checkpoint, "arn:stream", new PollerProgress(), DateTimeOffset.UnixEpoch, stopped: true);

        Assert.True(ProgressFile.Read(_checkpoint)?.Stopped);
    }

    [Fact]
    public void Read_NoFileOrAMangledOne_IsNull()
    {
        Assert.Null(ProgressFile.Read(_checkpoint));
        Directory.CreateDirectory(Path.GetDirectoryName(_checkpoint)!);
        File.WriteAllText(ProgressFile.PathFor(_checkpoint), "{\"version\":1,");

        Assert.Null(ProgressFile.Read(_checkpoint));
    }

    [Fact]
    public void Throughput_IsTheChangeBetweenTwoSnapshots_AndNoneAfterARestart()
    {
        var at = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        var throughput = new Throughput();
        ProgressSnapshot Snapshot(double seconds, long applied) => new(at.AddSeconds(seconds), new Dictionary<string, AppliedCount> { ["s"] = new(applied, 1) }, new Dictionary<string, AppliedCount>());

        Assert.Empty(throughput.Update(Snapshot(0, 100)).Shards);
        Assert.Equal(25, throughput.Update(Snapshot(2, 150)).Shards["s"]);
        Assert.Equal(25, throughput.Update(Snapshot(2, 150)).Shards["s"]); // The same snapshot read again: the same rate.
        Assert.Empty(throughput.Update(Snapshot(3, 4)).Shards); // replicate restarted: its count went down.
    }
}
