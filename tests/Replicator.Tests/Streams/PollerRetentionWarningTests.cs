using Replicator.Streams;

namespace Replicator.Tests.Streams;

/// <summary>The poller logs the retention warning from each batch's oldest record, on its own (fake) clock, once per shard per crossing.</summary>
public sealed class PollerRetentionWarningTests
{
    private readonly PollerHarness _h = new();
    private readonly SteppedClock _clock;

    public PollerRetentionWarningTests()
    {
        _clock = new SteppedClock { GuardDue = _h.Settings.BatchTimeout };
        _h.Settings = _h.Settings with { IdleDelay = TimeSpan.FromMilliseconds(250), StopAfterIdle = TimeSpan.FromSeconds(1), DiscoveryInterval = TimeSpan.FromSeconds(10) };
    }

    private void WriteAt(string shard, int count, TimeSpan age)
    {
        for (var i = 0; i < count; i++)
        {
            _h.Expected[$"k{i % 7}"] = i;
            _h.Streams.Append(shard, $"k{i % 7}", i, _clock.Start - age);
        }
    }

    private async Task<List<string>> WarningsAsync()
    {
        var run = _h.Poller(_clock).RunAsync(TestContext.Current.CancellationToken);
        await _clock.DriveAsync(run, actors: 2, atMost: TimeSpan.FromMinutes(1));
        Assert.Equal(PollerStop.Idle, (await run).Stop);
        return [.. _h.Log.Where(line => line.StartsWith("warning:", StringComparison.Ordinal))];
    }

    [Fact]
    public async Task Run_BacklogOlderThanHalfTheRetention_WarnsOnceForTheShard_NotEveryBatch()
    {
        var shard = _h.Streams.AddShard();
        WriteAt(shard, 200, TimeSpan.FromHours(13)); // Twenty pages.

        var warnings = await WarningsAsync();

        var warning = Assert.Single(warnings);
        Assert.Contains($"shard {shard}: the oldest unreplicated change is 13.0 h old, past 50% of the stream's 24 h retention", warning, StringComparison.Ordinal);
        _h.AssertTargetIsUpToDate();
    }

    [Fact]
    public async Task Run_BacklogYoungerThanTheThreshold_DoesNotWarn()
    {
        var shard = _h.Streams.AddShard();
        WriteAt(shard, 30, TimeSpan.FromHours(11));

        Assert.Empty(await WarningsAsync());
    }

    [Fact]
    public async Task Run_LowerFraction_WarnsEarlier()
    {
        _h.Settings = _h.Settings with { RetentionWarning = 0.25 };
        var shard = _h.Streams.AddShard();
        WriteAt(shard, 30, TimeSpan.FromHours(7));

        Assert.Contains("past 25% of the stream's 24 h retention", Assert.Single(await WarningsAsync()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_TwoShardsBehind_WarnsForEach()
    {
        var first = _h.Streams.AddShard();
        var second = _h.Streams.AddShard();
        WriteAt(first, 30, TimeSpan.FromHours(20));
        WriteAt(second, 30, TimeSpan.FromHours(20));
        var run = _h.Poller(_clock).RunAsync(TestContext.Current.CancellationToken);
        await _clock.DriveAsync(run, actors: 3, atMost: TimeSpan.FromMinutes(1));

        var warnings = _h.Log.Where(line => line.StartsWith("warning:", StringComparison.Ordinal)).ToList();

        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, line => line.Contains(first, StringComparison.Ordinal));
        Assert.Contains(warnings, line => line.Contains(second, StringComparison.Ordinal));
    }
}
