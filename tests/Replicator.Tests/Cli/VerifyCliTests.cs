using Replicator.Cli;

namespace Replicator.Tests.Cli;

/// <summary><c>replicator verify</c>'s option errors, without any server: each names its option and exits 2.</summary>
public sealed class VerifyCliTests
{
    private static Task<(int ExitCode, string Output)> RunAsync(params string[] args) => CliRunner.RunAsync(args);

    private static readonly string[] Verify = ["verify", "--source", "us-east-1:users", "--target", "us-west-2:users"];

    [Theory]
    [InlineData("--source", "users", "--source", "region:table")]
    [InlineData("--target", "us-west-2", "--target", "region:table")]
    [InlineData("--endpoint", "localhost:8000", "--endpoint", "http(s) URL")]
    [InlineData("--segments", "0", "--segments", "whole number from 1 to 1000")]
    [InlineData("--segments", "1001", "--segments", "whole number from 1 to 1000")]
    [InlineData("--segments", "many", "--segments", "whole number from 1 to 1000")]
    [InlineData("--settle", "-1", "--settle", "number of seconds")]
    [InlineData("--settle", "soon", "--settle", "number of seconds")]
    [InlineData("--output", "yaml", "--output", "text or json")]
    [InlineData("--max-read-units", "0", "--max-read-units", "positive number of capacity units per second")]
    [InlineData("--max-read-units", "lots", "--max-read-units", "positive number of capacity units per second")]
    [InlineData("--max-write-units", "-5", "--max-write-units", "positive number of capacity units per second")]
    public async Task Verify_BadOptionValue_NamesTheOptionAndTheForm_AndExits2(string option, string value, string named, string form)
    {
        var (code, output) = await RunAsync(CliRunner.With(Verify, option, value));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(named, output, StringComparison.Ordinal);
        Assert.Contains(form, output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--source")]
    [InlineData("--target")]
    public async Task Verify_MissingRequiredOption_NamesIt_AndExits2(string option)
    {
        List<string> args = [.. Verify];
        args.RemoveRange(args.IndexOf(option), 2);

        var (code, output) = await RunAsync([.. args]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(option, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_TargetEqualToTheSource_IsAUsageError()
    {
        var (code, output) = await RunAsync("verify", "--source", "us-east-1:users", "--target", "us-east-1:users", "--endpoint", "http://127.0.0.1:9");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--target: us-east-1:users is the source table", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_SameTargetTwice_IsAUsageError()
    {
        var (code, output) = await RunAsync([.. Verify, "--target", "us-west-2:users", "--endpoint", "http://127.0.0.1:9"]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--target: us-west-2:users is given twice", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_Help_ExitsZero()
    {
        var (code, _) = await RunAsync("verify", "--help");
        Assert.Equal(ExitCodes.Ok, code);
    }

    [Fact]
    public void Verify_HasEveryDocumentedOption() =>
        Assert.Equal(
            ["--source", "--target", "--endpoint", "--segments", "--settle", "--repair", "--max-read-units", "--max-write-units", "--mode", "--metadata-attribute", "--output", "--filter", "--include-attributes", "--exclude-attributes", "--target-role", "--target-external-id", "--role-session-name"],
            VerifyCommand.Create(Spectre.Console.AnsiConsole.Console, CancellationToken.None).Options.Select(option => option.Name));
}
