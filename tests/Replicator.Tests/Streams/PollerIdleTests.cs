using Replicator.Streams;

namespace Replicator.Tests.Streams;

/// <summary>An empty page is not the head of the shard (DynamoDB: "it might take multiple calls"); the idle stop waits for several in a row.</summary>
public sealed class PollerIdleTests
{
    private readonly PollerHarness _h = new();

    [Fact]
    public async Task Run_EmptyPagesBeforeRecordsThatExist_DoNotCountAsCaughtUp_SoStopAfterIdleWaitsForThem()
    {
        var clock = new SteppedClock { GuardDue = _h.Settings.BatchTimeout };
        var shard = _h.Streams.AddShard();
        _h.WriteMany(shard, 20);
        _h.Streams.EmptyPagesBefore(shard, ReplicationOptions.EmptyPagesToCatchUp - 1);
        // Each empty page waits longer than the idle window: one empty page taken as "caught up" would stop the poller before the records.
        _h.Settings = _h.Settings with { IdleDelay = TimeSpan.FromMilliseconds(300), StopAfterIdle = TimeSpan.FromMilliseconds(100), DiscoveryInterval = TimeSpan.FromSeconds(10) };

        var poller = _h.Poller(clock);
        var run = poller.RunAsync(TestContext.Current.CancellationToken);
        await clock.DriveAsync(run, actors: 2, atMost: TimeSpan.FromMinutes(1));

        Assert.Equal(PollerStop.Idle, (await run).Stop);
        Assert.Equal(20, poller.Progress.RecordsIn);
        _h.AssertTargetIsUpToDate();
    }

    [Fact]
    public async Task Run_StopAfterIdle_WaitsForTheIdleWindowWithoutARecord()
    {
        var clock = new SteppedClock { GuardDue = _h.Settings.BatchTimeout };
        _h.Streams.Time = clock;
        var shard = _h.Streams.AddShard();
        _h.WriteMany(shard, 5);
        _h.Settings = _h.Settings with { IdleDelay = TimeSpan.FromMilliseconds(250), StopAfterIdle = TimeSpan.FromSeconds(5), DiscoveryInterval = TimeSpan.FromSeconds(10) };

        var run = _h.Poller(clock).RunAsync(TestContext.Current.CancellationToken);
        await clock.DriveAsync(run, actors: 2, atMost: TimeSpan.FromMinutes(1));

        Assert.Equal(PollerStop.Idle, (await run).Stop);
        // It waited the whole window after catching up (under a second), and not much more.
        Assert.InRange(clock.GetUtcNow() - clock.Start, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(6));
        Assert.True(clock.GetUtcNow() - clock.Start < TimeSpan.FromSeconds(6), string.Join("\n", _h.Streams.Calls.Select((c, i) => $"{(_h.Streams.CallTimes[i] - clock.Start).TotalMilliseconds} {c}").Take(60)));
        _h.AssertTargetIsUpToDate();
    }
}
