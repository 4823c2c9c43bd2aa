using Replicator.Cli;

namespace Replicator.Tests.Cli;

/// <summary><c>backfill --mode multi-active</c>'s option errors, refused before any request is made.</summary>
public sealed class BackfillMultiActiveCliTests
{
    private static readonly string[] Join = ["backfill", "--mode", "multi-active", "--source", "us-east-1:users", "--target", "ap-southeast-2:users", "--endpoint", "http://127.0.0.1:9"];

    [Fact]
    public async Task Backfill_MultiActive_WithACheckpoint_IsRefused_SayingWhereTheProgressIs()
    {
        var (code, output) = await CliRunner.RunAsync([.. Join, "--checkpoint", "us-east-1.checkpoint.json"]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--checkpoint", output, StringComparison.Ordinal);
        Assert.Contains("us-east-1.users.copy-to.ap-southeast-2.users.backfill.json", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backfill_MultiActive_TwoTablesInOneRegion_IsRefused()
    {
        var (code, output) = await CliRunner.RunAsync(CliRunner.With(Join, "--target", "us-east-1:copy"));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("own region", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backfill_OneWay_WithAMetadataAttribute_IsRefused_NamingTheMode()
    {
        var (code, output) = await CliRunner.RunAsync("backfill", "--source", "us-east-1:users", "--target", "eu-west-1:users", "--metadata-attribute", "_meta");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--mode multi-active", output, StringComparison.Ordinal);
    }
}
