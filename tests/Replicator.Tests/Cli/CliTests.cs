using Replicator.Cli;

namespace Replicator.Tests.Cli;

/// <summary>Option errors and help, without any server: every bad value names its option and exits 2.</summary>
public sealed class CliTests
{
    private static Task<(int ExitCode, string Output)> RunAsync(params string[] args) => CliRunner.RunAsync(args);

    private static readonly string[] Replicate = ["replicate", "--source", "us-east-1:users", "--target", "us-west-2:users"];

    [Theory]
    [InlineData("--source", "users", "--source", "region:table")]
    [InlineData("--target", "us-west-2", "--target", "region:table")]
    [InlineData("--endpoint", "localhost:8000", "--endpoint", "http(s) URL")]
    [InlineData("--start-at", "beginning", "--start-at", "trim-horizon or latest")]
    [InlineData("--stop-after-idle", "soon", "--stop-after-idle", "number of seconds")]
    [InlineData("--idle-delay-ms", "soon", "--idle-delay-ms", "whole number of milliseconds from 0 to 60000")]
    [InlineData("--idle-delay-ms", "-5", "--idle-delay-ms", "whole number of milliseconds from 0 to 60000")]
    [InlineData("--idle-delay-ms", "60001", "--idle-delay-ms", "whole number of milliseconds from 0 to 60000")]
    [InlineData("--idle-delay-ms", "0.5", "--idle-delay-ms", "whole number of milliseconds from 0 to 60000")]
    [InlineData("--ttl-deletes", "maybe", "--ttl-deletes", "replicate or skip")]
    [InlineData("--dead-letter-queue", "my-queue", "--dead-letter-queue", "queue URL")]
    [InlineData("--output", "yaml", "--output", "text or json")]
    public async Task Replicate_BadOptionValue_NamesTheOptionAndTheForm_AndExits2(string option, string value, string named, string form)
    {
        var (code, output) = await RunAsync(CliRunner.With(Replicate, option, value));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(named, output, StringComparison.Ordinal);
        Assert.Contains(form, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replicate_MissingSource_IsAUsageError()
    {
        var (code, output) = await RunAsync("replicate", "--target", "us-west-2:users");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--source", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replicate_TargetEqualToTheSource_IsAUsageError()
    {
        var (code, output) = await RunAsync("replicate", "--source", "us-east-1:users", "--target", "us-east-1:users", "--endpoint", "http://127.0.0.1:9");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("cannot replicate to itself", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replicate_OneRequestAtATimeWithoutAnEndpoint_IsAUsageErrorNamingIt()
    {
        var (code, output) = await RunAsync("replicate", "--source", "us-east-1:users", "--target", "us-west-2:users", "--one-request-at-a-time");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--one-request-at-a-time: needs --endpoint", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replicate_SourceInARegionThatDoesNotExist_IsAUsageErrorNamingIt()
    {
        var (code, output) = await RunAsync("replicate", "--source", "us-east-9:users", "--target", "us-west-2:users");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("'us-east-9' is not an AWS region", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("demo", "--items", "0")]
    [InlineData("demo", "--items", "many")]
    [InlineData("demo", "--mode", "sideways")]
    [InlineData("status", "--source", "nowhere")]
    [InlineData("no-such-command")]
    public async Task OtherCommands_BadInput_Exit2(params string[] args)
    {
        var (code, output) = await RunAsync(args);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("error:", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("replicate")]
    [InlineData("status")]
    [InlineData("demo")]
    public async Task Help_OnEveryCommand_ExitsZero(string command)
    {
        var (code, _) = await RunAsync(command, "--help");
        Assert.Equal(ExitCodes.Ok, code);
    }

    [Fact]
    public void CheckpointPath_DefaultsToOnePerSourceTable() =>
        Assert.Equal(Path.Combine(".replicator", "us-east-1.users.checkpoint.json"), CommonOptions.CheckpointPath(null, new global::Replicator.Applying.TargetTable("us-east-1", "users")));
}
