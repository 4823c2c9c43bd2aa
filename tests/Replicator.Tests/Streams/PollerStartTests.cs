using Replicator.Streams;

namespace Replicator.Tests.Streams;

/// <summary>Where a shard starts reading, across kills and expired iterators: found in review, each failed before its fix.</summary>
public sealed class PollerStartTests
{
    private readonly PollerHarness _h = new();

    /// <summary>
    /// A first run pins its ready shards in one save. Were they pinned one save at a time, a run
    /// killed after the first of those saves would leave the next run (no longer a first run) a
    /// shard without an entry whose parent left before replication ever started: data lost, falsely.
    /// </summary>
    [Fact]
    public async Task Run_FirstRun_PinsItsReadyShardsInOneSave_SoAKillBetweenPinsCannotLeaveOneUnpinned()
    {
        var goneA = _h.Streams.AddShard();
        _h.Streams.Close(goneA);
        var a = _h.Streams.AddShard(goneA);
        _h.Streams.Remove(goneA);
        var goneB = _h.Streams.AddShard();
        _h.Streams.Close(goneB);
        var b = _h.Streams.AddShard(goneB);
        _h.Streams.Remove(goneB);
        _h.WriteMany(a, 5, prefix: "a");
        _h.WriteMany(b, 5, prefix: "b");

        var outcome = await _h.RunAsync();

        Assert.Equal((PollerStop.Idle, null), (outcome.Stop, outcome.Error));
        _h.AssertTargetIsUpToDate();
        // A kill after any save leaves that save on disk: none may hold one of the two without the other.
        var firstPin = _h.Checkpoints.Saves.First(save => save.Shards.ContainsKey(a) || save.Shards.ContainsKey(b));
        Assert.True(firstPin.Shards.ContainsKey(a) && firstPin.Shards.ContainsKey(b), $"a save pinned only {string.Join(", ", firstPin.Shards.Keys)}");

        // And what such a save leaves, the next run (no longer a first run) reads on from, with nothing taken for lost.
        _h.Store = new InMemoryCheckpointStore();
        await _h.Store.SaveAsync(firstPin, TestContext.Current.CancellationToken);
        var next = await _h.RunAsync();
        Assert.Equal((PollerStop.Idle, null), (next.Stop, next.Error));
    }

    /// <summary>
    /// --start-at latest: a shard with no record replicated yet whose iterator expires must not
    /// take LATEST again, which would skip what arrived in between and go idle with no error: once
    /// LATEST is taken, the shard is read from its trim horizon.
    /// </summary>
    [Fact]
    public async Task Run_StartAtLatest_IteratorExpiresBeforeTheFirstRecord_TheRecordIsStillReplicated()
    {
        var shard = _h.Streams.AddShard();
        _h.Settings = _h.Settings with { StartAt = StartPosition.Latest, IdleDelay = TimeSpan.FromMilliseconds(150), StopAfterIdle = TimeSpan.FromSeconds(1.5) };
        var run = _h.RunAsync();
        await UntilAsync(() => EmptyReads(shard) >= 3, run);

        // The iterator in hand expires (as after 15 minutes without a read: a paused process, a long
        // throttle), and a change arrives before the reader asks again.
        _h.Expected["late"] = 1;
        _h.Streams.ExpireIteratorsAndAppend(shard, "late", 1);

        var outcome = await run;

        Assert.Null(outcome.Error);
        Assert.Contains(_h.Streams.Calls.ToArray(), call => call == $"GetRecords {shard} expired");
        _h.AssertTargetIsUpToDate();
    }

    /// <summary>
    /// A shard that was caught up and then gets a batch that keeps failing is not caught up: with
    /// waits between retries longer than the idle window, --stop-after-idle must not stop "idle"
    /// while the batch is still owed.
    /// </summary>
    [Fact]
    public async Task Run_BatchFailingAfterTheShardWasCaughtUp_IsNotIdle()
    {
        var shard = _h.Streams.AddShard();
        _h.Settings = _h.Settings with
        {
            // On the real clock, so with room: the test writes within the idle window of catching up.
            StopAfterIdle = TimeSpan.FromMilliseconds(500),
            BaseRetryDelay = TimeSpan.FromMilliseconds(1500),
            MaxRetryDelay = TimeSpan.FromMilliseconds(1500),
            BatchTimeout = TimeSpan.FromMilliseconds(100),
        };
        var throttled = 1;
        _h.Target.Fault = actions => Volatile.Read(ref throttled) == 1 ? [.. actions.Where(action => action.Key.Attributes["pk"].AsString() == "stuck")] : [];
        var poller = _h.Poller();
        var run = _h.RunAsync(poller);
        await UntilAsync(() => EmptyReads(shard) >= 3, run);

        _h.Write(shard, "stuck", 1);
        // Each retry waits 1.5 s, three times the idle window: a poller that took the failing shard for caught up stops before the second try.
        await UntilAsync(() => poller.Progress.RecordsFailed >= 2, run);

        Assert.False(run.IsCompleted, "the poller stopped while a batch was failing");
        Volatile.Write(ref throttled, 0);
        var outcome = await run;

        Assert.Equal((PollerStop.Idle, false), (outcome.Stop, outcome.ShardsFailing));
        _h.AssertTargetIsUpToDate();
    }

    /// <summary>Waits until the condition holds, the run ends, or ten seconds pass (then fails): never for ever.</summary>
    private static async Task UntilAsync(Func<bool> condition, Task run)
    {
        var real = System.Diagnostics.Stopwatch.StartNew();
        while (!condition() && !run.IsCompleted)
        {
            Assert.True(real.Elapsed < TimeSpan.FromSeconds(10), "the condition did not come about within 10 s");
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }

    private int EmptyReads(string shard)
    {
        while (true)
        {
            try
            {
                return _h.Streams.Calls.ToArray().Count(call => call == $"GetRecords {shard} -> 0");
            }
            catch (ArgumentException)
            {
            }
            catch (InvalidOperationException)
            {
            }
        }
    }
}
