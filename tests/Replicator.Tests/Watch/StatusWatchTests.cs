using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Replicator.Cli;
using Replicator.Streams;
using Replicator.Tests.Fixtures;
using Replicator.Tests.Streams;

namespace Replicator.Tests.Watch;

/// <summary>
/// <c>status --watch</c> over several refreshes, on a fake clock, while a poller replicates the same
/// stream: it never has more than one GetRecords in flight (per shard, and overall), reads a shard
/// at most once a second, and prints one JSON object (or line) a refresh.
/// </summary>
public sealed class StatusWatchTests
{
    private readonly PollerHarness _h = new();
    private readonly FakeTimeProvider _time = new(FakeClock.Start);

    private async Task<(int ExitCode, List<string> Lines)> WatchAsync(IStreamsApi streams, int refreshes, TimeSpan interval, OutputFormat output = OutputFormat.Json, CancellationTokenSource? interrupt = null)
    {
        var text = new StringWriter();
        var sampler = new WatchSampler(streams, FakeStreamsApi.Arn, _h.Checkpoints, () => null, _time, ReplicationOptions.DefaultRetentionWarning);
        var run = StatusWatch.RunAsync(Replicator.Tests.Cli.CliRunner.Console(text), sampler, new WatchSettings(interval, refreshes, output, "checkpoint.json"), _time, interrupt?.Token ?? TestContext.Current.CancellationToken);
        var code = await FakeClock.DriveAsync(_time, run, step: TimeSpan.FromMilliseconds(20), atMost: TimeSpan.FromMinutes(5));
        return (code, [.. text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)]);
    }

    [Fact]
    public async Task Watch_SeveralRefreshesOfThreeShardsWhileReplicating_HoldsAtMostOneGetRecordsInFlight()
    {
        var shards = Enumerable.Range(0, 3).Select(_ => _h.Streams.AddShard()).ToList();
        foreach (var shard in shards)
        {
            _h.WriteMany(shard, 60, prefix: shard);
        }

        var counting = new CountingStreamsApi(_h.Streams);
        var replicating = _h.RunAsync(); // The poller reads the same stream, uncounted: the watch is a second reader beside it.

        var (code, lines) = await WatchAsync(counting, refreshes: 6, interval: TimeSpan.FromSeconds(1));
        await replicating;

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(6, lines.Count);
        Assert.Equal(1, counting.MaxInFlight);
        Assert.All(shards, shard => Assert.Equal(1, counting.MaxInFlightPerShard[shard]));
        Assert.All(shards, shard => Assert.InRange(counting.GetRecordsPerShard[shard], 3, 6)); // Read every refresh or so: the bound is not met by not reading.
    }

    [Fact]
    public async Task Watch_RefreshingFiveTimesASecond_AsksEachShardForAPageAtMostOnceASecond()
    {
        _h.Streams.Time = _time;
        var shards = Enumerable.Range(0, 2).Select(_ => _h.Streams.AddShard()).ToList();
        foreach (var shard in shards)
        {
            _h.WriteMany(shard, 100, prefix: shard);
        }

        var (_, lines) = await WatchAsync(_h.Streams, refreshes: 16, interval: TimeSpan.FromMilliseconds(200));

        Assert.Equal(16, lines.Count);
        foreach (var shard in shards)
        {
            var reads = _h.Streams.Calls.Select((call, i) => (call, at: _h.Streams.CallTimes[i])).Where(c => c.call.StartsWith($"GetRecords {shard}", StringComparison.Ordinal)).Select(c => c.at).ToList();
            Assert.InRange(reads.Count, 3, 4); // Three seconds of refreshes, not sixteen reads.
            // A read happens within its refresh, which starts a second or more after the refresh that last read the shard;
            // the clock moves on (in steps of 20 ms) while a refresh reads, so a gap may be that much short of a whole second.
            Assert.All(reads.Zip(reads.Skip(1)), pair => Assert.True(pair.Second - pair.First >= ReplicationOptions.WatchReadGap - TimeSpan.FromMilliseconds(100), $"{shard} read {(pair.Second - pair.First).TotalMilliseconds} ms after the last read"));
        }
    }

    [Fact]
    public async Task Watch_JsonOutput_OneObjectARefresh_WithBehindOldestRateAndChart()
    {
        var shard = _h.Streams.AddShard();
        _h.WriteMany(shard, 15);

        var (code, lines) = await WatchAsync(_h.Streams, refreshes: 3, interval: TimeSpan.FromSeconds(1));

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(3, lines.Count);
        var behind = lines.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("shards")[0]).Select(status =>
        {
            Assert.Equal(shard, status.GetProperty("shardId").GetString());
            Assert.True(status.GetProperty("oldestUnreplicatedAgeSeconds").GetDouble() > 0);
            Assert.Equal(LagHistory.Columns, status.GetProperty("lagSeconds").GetArrayLength());
            Assert.True(status.TryGetProperty("recordsPerSecond", out _));
            return status.GetProperty("recordsBehind").GetInt32();
        }).ToList();
        Assert.Equal([10, 15, 15], behind);
        Assert.Equal("unknown", JsonDocument.Parse(lines[0]).RootElement.GetProperty("replicate").GetString());
    }

    [Fact]
    public async Task Watch_TextOutputNotOnATerminal_PrintsOneLineARefresh()
    {
        var shard = _h.Streams.AddShard();
        _h.WriteMany(shard, 5);

        var (_, lines) = await WatchAsync(_h.Streams, refreshes: 2, interval: TimeSpan.FromSeconds(1), OutputFormat.Text);

        Assert.Equal(2, lines.Count);
        Assert.All(lines, line => Assert.Contains($"{shard} open: ≥ 5 behind, oldest ", line, StringComparison.Ordinal));
        Assert.Matches(@"lag [▁-█]+ \(max [0-9.]+ h\)", lines[1]); // The fake stream's records are years old.
        Assert.Contains("replicate unknown (no progress file)", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_Interrupted_ExitsOk()
    {
        var shard = _h.Streams.AddShard();
        _h.WriteMany(shard, 5);
        using var interrupt = new CancellationTokenSource();
        // Held: a timer nothing refers to may be collected before it fires.
        using var ctrlC = _time.CreateTimer(_ => interrupt.Cancel(), null, TimeSpan.FromSeconds(2.5), Timeout.InfiniteTimeSpan);

        var (code, lines) = await WatchAsync(_h.Streams, refreshes: 1000, interval: TimeSpan.FromSeconds(1), interrupt: interrupt);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(3, lines.Count);
    }
}
