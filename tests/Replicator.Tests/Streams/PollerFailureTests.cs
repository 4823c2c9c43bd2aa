using Replicator.Streams;

namespace Replicator.Tests.Streams;

/// <summary>A reader that cannot go on stops the poller, saying why; a batch that keeps failing is retried ever more slowly.</summary>
public sealed class PollerFailureTests
{
    private readonly PollerHarness _h = new();

    /// <summary>A jitter that always picks the ceiling, so each wait is exactly base × 2^n, capped.</summary>
    private sealed class CeilingRandom : Random
    {
        public override double NextDouble() => 1.0;
    }

    [Fact]
    public async Task Run_CheckpointStoreFailsWithAnIOError_StopsFailedNamingTheShardAndTheError()
    {
        var shard = _h.Streams.AddShard();
        _h.WriteMany(shard, 20);
        _h.Checkpoints.OnSave = save =>
        {
            if (save.Shards.Values.Any(checkpoint => checkpoint.SequenceNumber is not null))
            {
                throw new IOException("No space left on device");
            }
        };
        // No idle stop: a reader that died silently would leave the poller running for ever.
        _h.Settings = _h.Settings with { StopAfterIdle = null };

        var outcome = await _h.RunAsync();

        Assert.Equal(PollerStop.Failed, outcome.Stop);
        Assert.Contains(shard, outcome.Error, StringComparison.Ordinal);
        Assert.Contains("IOException: No space left on device", outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BatchThatKeepsFailing_WaitsDoublingUpToTheCap_NotResetByEachSuccessfulRead()
    {
        _h.Settings = _h.Settings with
        {
            BaseRetryDelay = TimeSpan.FromMilliseconds(100),
            MaxRetryDelay = TimeSpan.FromMilliseconds(1600),
            BatchTimeout = TimeSpan.FromMilliseconds(70),
            IdleDelay = TimeSpan.FromMilliseconds(250),
            DiscoveryInterval = TimeSpan.FromSeconds(10),
            StopAfterIdle = TimeSpan.FromSeconds(1),
        };
        var clock = new SteppedClock { GuardDue = _h.Settings.BatchTimeout };
        _h.Streams.Time = clock;
        var shard = _h.Streams.AddShard();
        _h.WriteMany(shard, 3);
        var stuck = _h.Write(shard, "stuck", 1);
        var fixedAt = clock.Start + TimeSpan.FromSeconds(8);
        _h.Target.Fault = actions => clock.GetUtcNow() < fixedAt ? actions.Where(a => a.Key.Attributes["pk"].AsString() == "stuck").ToList() : [];

        var run = _h.Poller(clock, new CeilingRandom()).RunAsync(TestContext.Current.CancellationToken);
        await clock.DriveAsync(run, actors: 2, atMost: TimeSpan.FromMinutes(1));

        Assert.Equal(PollerStop.Idle, (await run).Stop);
        _h.AssertTargetIsUpToDate();
        var retries = _h.Streams.Calls.Select((call, i) => (call, at: _h.Streams.CallTimes[i]))
            .Where(pair => pair.call == $"GetShardIterator {shard} AtSequenceNumber {stuck}" && pair.at < fixedAt)
            .Select(pair => pair.at)
            .ToList();
        var gaps = retries.Zip(retries.Skip(1), (a, b) => b - a).ToList();
        // Waits of 100, 200, 400, 800, 1600, 1600… ms (plus each 70 ms batch) fit about six retries into 8 s; without growth it would be about fifty.
        Assert.InRange(retries.Count, 4, 8);
        Assert.True(gaps.Count > 0 && gaps[^1] >= TimeSpan.FromMilliseconds(1600), $"the last wait was {gaps.LastOrDefault()}, not the cap");
        for (var i = 0; i < gaps.Count; i++)
        {
            var wait = TimeSpan.FromMilliseconds(Math.Min(100 * Math.Pow(2, i), 1600));
            Assert.True(gaps[i] >= wait, $"retry {i + 1} came {gaps[i].TotalMilliseconds} ms after the one before, sooner than the {wait.TotalMilliseconds} ms backoff");
        }
    }
}
