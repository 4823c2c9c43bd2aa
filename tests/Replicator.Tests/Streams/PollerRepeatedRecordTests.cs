using Replicator.Streams;

namespace Replicator.Tests.Streams;

/// <summary>
/// Moto numbers two records written at once alike, and its iterator after that number starts at
/// the second of them on every read: a poller that takes the stream at its word reads that record
/// forever and never goes idle (the README's multi-active example hung this way, one run in five).
/// </summary>
public sealed class PollerRepeatedRecordTests
{
    private readonly PollerHarness _h = new();

    [Fact]
    public async Task Run_ARecordTheStreamGivesAgainAfterItsOwnNumber_IsAppliedOnce_AndThePollerGoesIdle()
    {
        _h.Streams.MotoNumbering = true;
        var shard = _h.Streams.AddShard();
        _h.WriteMany(shard, 3);
        _h.Streams.AppendNumberedAsLast(shard, "k9", 9);
        _h.Expected["k9"] = 9;

        var poller = _h.Poller();
        var outcome = await _h.RunAsync(poller);

        Assert.Equal(PollerStop.Idle, outcome.Stop);
        _h.AssertTargetIsUpToDate();
        Assert.Equal(4, poller.Progress.RecordsIn);
    }

    [Fact]
    public async Task Run_ARecordNumberedAsTheLastOneApplied_ThatArrivesInALaterRead_IsApplied()
    {
        _h.Streams.MotoNumbering = true;
        var shard = _h.Streams.AddShard();
        _h.WriteMany(shard, 3);
        _h.Settings = _h.Settings with { StopAfterIdle = null };
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var run = _h.Poller().RunAsync(stop.Token);
        await Until(() => _h.Target.Items.Count == 3, stop.Token);

        // Its number is the last one applied: only its event id tells it from the record applied already.
        _h.Streams.AppendNumberedAsLast(shard, "k9", 9);
        _h.Expected["k9"] = 9;
        await Until(() => _h.Target.Items.Count == 4, stop.Token);
        await stop.CancelAsync();
        await run;

        _h.AssertTargetIsUpToDate();
    }

    private static async Task Until(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(5, cancellationToken);
        }
    }
}
