using Replicator.Streams;

namespace Replicator.Tests.Streams;

/// <summary>The retention warning: past a fraction of the 24 h retention, said once per shard per crossing.</summary>
public sealed class RetentionWatchTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Observe_AtTheThreshold_DoesNotWarn_JustPastIt_Warns()
    {
        var watch = new RetentionWatch(0.5);

        Assert.Null(watch.Observe("s", Now - TimeSpan.FromHours(12), Now));
        Assert.NotNull(watch.Observe("s", Now - TimeSpan.FromHours(12) - TimeSpan.FromSeconds(1), Now));
    }

    [Fact]
    public void Observe_StillPastOnLaterBatches_WarnsOnlyOnce()
    {
        var watch = new RetentionWatch(0.5);

        var warnings = Enumerable.Range(0, 50).Select(batch => watch.Observe("s", Now - TimeSpan.FromHours(13), Now + TimeSpan.FromSeconds(batch))).OfType<string>().ToList();

        Assert.Single(warnings);
    }

    [Fact]
    public void Observe_BackWithinThenPastAgain_WarnsAgain()
    {
        var watch = new RetentionWatch(0.5);

        Assert.NotNull(watch.Observe("s", Now - TimeSpan.FromHours(13), Now));
        Assert.Null(watch.Observe("s", null, Now)); // Caught up.
        Assert.NotNull(watch.Observe("s", Now - TimeSpan.FromHours(14), Now));
    }

    [Fact]
    public void Observe_EachShardOnItsOwn()
    {
        var watch = new RetentionWatch(0.5);

        Assert.NotNull(watch.Observe("a", Now - TimeSpan.FromHours(13), Now));
        Assert.NotNull(watch.Observe("b", Now - TimeSpan.FromHours(13), Now));
        Assert.Null(watch.Observe("a", Now - TimeSpan.FromHours(13), Now));
    }

    [Fact]
    public void Message_SaysHowOldWhatFractionAndWhatToDo()
    {
        var message = RetentionWarning.Message("shardId-1", TimeSpan.FromHours(13.1), 0.5);

        Assert.StartsWith("warning: shard shardId-1: the oldest unreplicated change is 13.1 h old, past 50% of the stream's 24 h retention; at 24 h records are lost.", message, StringComparison.Ordinal);
        Assert.Contains("replicator status", message, StringComparison.Ordinal);
        Assert.Contains("backfill", message, StringComparison.Ordinal);
    }
}
