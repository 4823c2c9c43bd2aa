using Replicator.Cli;

namespace Replicator.Tests.Watch;

/// <summary>The watch's lag chart: slices of the last five minutes, drawn as block characters.</summary>
public sealed class LagChartTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Render_ScalesToTheLargest_NoSampleIsASpace()
    {
        Assert.Equal(" ▁▅█", Sparkline.Render([null, 0, 5, 10]));
    }

    [Fact]
    public void Render_AllZero_IsTheLowestBlock()
    {
        Assert.Equal("▁▁▁", Sparkline.Render([0, 0, 0]));
    }

    [Fact]
    public void Slices_KeepTheLargestOfEachSlice_OldestFirst()
    {
        var history = new LagHistory();
        history.Add(Now - TimeSpan.FromSeconds(LagHistory.SliceSeconds + 1), 7);
        history.Add(Now - TimeSpan.FromSeconds(LagHistory.SliceSeconds + 2), 3);
        history.Add(Now, 1);

        var slices = history.Slices(Now);

        Assert.Equal(LagHistory.Columns, slices.Count);
        Assert.Equal([7, 1], slices.Skip(LagHistory.Columns - 2));
        Assert.All(slices.Take(LagHistory.Columns - 2), slice => Assert.Null(slice));
    }

    [Fact]
    public void Slices_ForgetWhatIsOlderThanTheWindow()
    {
        var history = new LagHistory();
        history.Add(Now - LagHistory.Window - TimeSpan.FromSeconds(1), 100);
        history.Add(Now, 1);

        Assert.Equal(1, history.Slices(Now).Max());
    }
}
