namespace Replicator.Tests;

public sealed class DurationsTests
{
    [Theory]
    [InlineData("45s", 0, 0, 0, 45)]
    [InlineData("90m", 0, 0, 90, 0)]
    [InlineData("36h", 0, 36, 0, 0)]
    [InlineData("7d", 7, 0, 0, 0)]
    [InlineData(" 25h ", 0, 25, 0, 0)]
    [InlineData("0001d", 1, 0, 0, 0)]
    public void TryParse_NumberAndUnit_ReadsTheDuration(string text, int days, int hours, int minutes, int seconds)
    {
        Assert.True(Durations.TryParse(text, out var duration));
        Assert.Equal(new TimeSpan(days, hours, minutes, seconds), duration);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("7")]
    [InlineData("d")]
    [InlineData("7w")]
    [InlineData("7D")]
    [InlineData("7 d")]
    [InlineData("-7d")]
    [InlineData("+7d")]
    [InlineData("0d")]
    [InlineData("1.5h")]
    [InlineData("1,000s")]
    [InlineData("7d12h")]
    [InlineData("P7D")]
    [InlineData("7.00:00:00")]
    [InlineData("99999999999999999999d")]
    public void TryParse_AnythingElse_IsRefused(string? text)
    {
        Assert.False(Durations.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.Zero, duration);
    }

    [Fact]
    public void TryParse_TheLongestDurationThatFits_IsRead_AndOneMoreIsRefused()
    {
        var most = TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerDay;

        Assert.True(Durations.TryParse($"{most}d", out var duration));
        Assert.Equal(TimeSpan.FromDays(most), duration);
        Assert.False(Durations.TryParse($"{most + 1}d", out _));
    }

    [Theory]
    [InlineData(7 * 24 * 3600, "7d")]
    [InlineData(25 * 3600, "25h")]
    [InlineData(90 * 60, "90m")]
    [InlineData(61, "61s")]
    public void Format_GivesTheShortestSpelling_ThatReadsBack(int seconds, string expected)
    {
        var duration = TimeSpan.FromSeconds(seconds);

        Assert.Equal(expected, Durations.Format(duration));
        Assert.True(Durations.TryParse(Durations.Format(duration), out var back));
        Assert.Equal(duration, back);
    }
}
