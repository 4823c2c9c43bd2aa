using Replicator.Cli;
using Replicator.Tests.Cli;

namespace Replicator.Tests.Watch;

/// <summary>The options of <c>status --watch</c> and <c>--retention-warning</c>: a bad value exits 2 naming the option, before anything is read.</summary>
public sealed class StatusWatchCliTests
{
    private static readonly string[] Status = ["status", "--source", "us-east-1:users", "--endpoint", "http://127.0.0.1:1"];

    [Theory]
    [InlineData("--interval", "0", "--interval: '0' is not a number of seconds from 0.1 to 3600")]
    [InlineData("--interval", "soon", "--interval: 'soon' is not a number of seconds")]
    [InlineData("--max-refreshes", "0", "--max-refreshes: '0' is not a whole number of at least 1")]
    [InlineData("--retention-warning", "1", "--retention-warning: '1' is not a fraction between 0 and 1")]
    [InlineData("--retention-warning", "0", "--retention-warning: '0' is not a fraction between 0 and 1")]
    public async Task Status_BadWatchOption_ExitsUsageNamingIt(string option, string value, string message)
    {
        var (code, output) = await CliRunner.RunAsync([.. Status, "--watch", option, value]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(message, output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--interval", "1")]
    [InlineData("--max-refreshes", "3")]
    public async Task Status_WatchOptionWithoutWatch_ExitsUsage(string option, string value)
    {
        var (code, output) = await CliRunner.RunAsync([.. Status, option, value]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--interval and --max-refreshes are for --watch", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replicate_BadRetentionWarning_ExitsUsageNamingIt()
    {
        var (code, output) = await CliRunner.RunAsync("replicate", "--source", "us-east-1:users", "--target", "us-west-2:users", "--retention-warning", "1.5");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--retention-warning: '1.5' is not a fraction between 0 and 1", output, StringComparison.Ordinal);
    }
}
