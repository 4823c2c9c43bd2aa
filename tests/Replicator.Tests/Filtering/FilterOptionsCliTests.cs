using Replicator.Cli;
using Replicator.Tests.Cli;

namespace Replicator.Tests.Filtering;

/// <summary>The filtering options on every command that takes them: bad values exit 2 naming the option, and multi-active mode refuses them saying why.</summary>
public sealed class FilterOptionsCliTests
{
    private static readonly string[] Tables = ["--source", "us-east-1:users", "--target", "us-west-2:users", "--endpoint", "http://127.0.0.1:9"];

    public static TheoryData<string> Commands => ["replicate", "backfill", "verify", "redrive"];

    private static string[] Args(string command, params string[] more) =>
        [command, .. Tables, .. command == "redrive" ? ["--queue", "http://127.0.0.1:9/1/letters"] : Array.Empty<string>(), .. more];

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task BadFilter_ExitsWithUsage_NamingTheOptionAndThePosition(string command)
    {
        var (code, output) = await CliRunner.RunAsync(Args(command, "--filter", "status = active"));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--filter: at position 10: expected a value", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task NestedProjection_ExitsWithUsage_NamingTheOption(string command)
    {
        var (code, output) = await CliRunner.RunAsync(Args(command, "--exclude-attributes", "address.city"));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--exclude-attributes: 'address.city' is a nested path", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task IncludeAndExclude_ExitsWithUsage(string command)
    {
        var (code, output) = await CliRunner.RunAsync(Args(command, "--include-attributes", "a", "--exclude-attributes", "b"));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("give one or the other, not both", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task MultiActive_RefusesAFilter_SayingWhy(string command)
    {
        var (code, output) = await CliRunner.RunAsync(Args(command, "--mode", "multi-active", "--filter", "exists(a)"));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--filter: filtering and projection are for one-way replication", output, StringComparison.Ordinal);
        Assert.Contains("forwarded back", output, StringComparison.Ordinal);
    }
}
