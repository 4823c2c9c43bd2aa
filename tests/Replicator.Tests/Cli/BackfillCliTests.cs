using Replicator.Cli;

namespace Replicator.Tests.Cli;

/// <summary><c>replicator backfill</c>'s capacity options, without any server: a bad value names its option and exits 2.</summary>
public sealed class BackfillCliTests
{
    private static readonly string[] Backfill = ["backfill", "--source", "us-east-1:users", "--target", "us-west-2:users", "--endpoint", "http://127.0.0.1:9"];

    [Theory]
    [InlineData("--max-read-units", "0")]
    [InlineData("--max-read-units", "fast")]
    [InlineData("--max-write-units", "-1")]
    [InlineData("--max-write-units", "NaN")]
    public async Task Backfill_BadCapacityBudget_NamesTheOption_AndExits2(string option, string value)
    {
        var (code, output) = await CliRunner.RunAsync(CliRunner.With(Backfill, option, value));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains($"{option}: '{value}' is not a positive number of capacity units per second", output, StringComparison.Ordinal);
    }
}
