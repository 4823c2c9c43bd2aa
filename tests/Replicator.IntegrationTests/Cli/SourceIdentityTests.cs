using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Replicator.IntegrationTests.Support;

namespace Replicator.IntegrationTests.Cli;

/// <summary>
/// Every command addresses the table its options name, resolved to its identity (account,
/// region, name), so no spelling can make the source a target, name one table twice, or read
/// another table's stream.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class SourceIdentityTests(MotoServer moto) : IDisposable
{
    private const string Region = "us-east-1";

    /// <summary>Long enough for a run that goes idle; a run that replicates a table into itself never does.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly string _checkpoint = Path.Combine(Path.GetTempPath(), $"{MotoServer.UniqueName("cp")}.json");

    public void Dispose()
    {
        File.Delete(_checkpoint);
        File.Delete(_checkpoint + ".backfill.json");
    }

    /// <summary>The output as one line: the console wraps long lines at spaces when it is not a terminal.</summary>
    private static string Flat(string output) => System.Text.RegularExpressions.Regex.Replace(output, @"\s+", " ");

    private async Task<string> ArnOfAsync(string table) =>
        (await moto.Clients.DynamoDb(Region).DescribeTableAsync(table, TestContext.Current.CancellationToken)).Table.TableArn;

    private async Task<string> SourceWithItemsAsync()
    {
        var source = await moto.CreateTableAsync(Region, "src", stream: true);
        foreach (var key in new[] { "a", "b", "c" })
        {
            await moto.Clients.DynamoDb(Region).PutItemAsync(
                new PutItemRequest { TableName = source, Item = new() { ["pk"] = new() { S = key }, ["v"] = new() { N = "1" } } },
                TestContext.Current.CancellationToken);
        }

        return source;
    }

    [Fact]
    public async Task Replicate_TargetThatIsTheSourceByItsArn_IsRefusedNamingBoth_AndWritesNothing()
    {
        var source = await SourceWithItemsAsync();
        var sourceArn = await ArnOfAsync(source);

        var (code, output) = await ReplicatorProcess.RunAsync(
            moto, Timeout, "replicate", "--source", $"{Region}:{source}", "--target", sourceArn, "--checkpoint", _checkpoint, "--stop-after-idle", "1");

        Assert.True(code == 2, $"replicate exited {code}:\n{output}");
        Assert.Contains($"{sourceArn} is the source table ({Region}:{source}", Flat(output), StringComparison.Ordinal);
        Assert.Contains("cannot replicate to itself", Flat(output), StringComparison.Ordinal);
        Assert.False(File.Exists(_checkpoint), "replicate started reading the stream");
    }

    [Fact]
    public async Task Replicate_OneTargetGivenTwoWays_IsRefusedNamingBoth()
    {
        var source = await SourceWithItemsAsync();
        var target = await moto.CreateTableAsync(Region, "tgt");
        var targetArn = await ArnOfAsync(target);

        var (code, output) = await ReplicatorProcess.RunAsync(
            moto, Timeout, "replicate", "--source", $"{Region}:{source}", "--target", $"{Region}:{target}", "--target", targetArn, "--checkpoint", _checkpoint, "--stop-after-idle", "1");

        Assert.True(code == 2, $"replicate exited {code}:\n{output}");
        Assert.Contains($"{Region}:{target} and {targetArn} are the same table", Flat(output), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backfill_TargetThatIsTheSourceByItsArn_IsRefused_AndCopiesNothing()
    {
        var source = await SourceWithItemsAsync();
        var sourceArn = await ArnOfAsync(source);

        var (code, output) = await ReplicatorProcess.RunAsync(moto, Timeout, "backfill", "--source", $"{Region}:{source}", "--target", sourceArn, "--checkpoint", _checkpoint);

        Assert.True(code == 2, $"backfill exited {code}:\n{output}");
        Assert.Contains("is the source table", Flat(output), StringComparison.Ordinal);
        Assert.False(File.Exists(_checkpoint), "backfill took a stream position");
        Assert.False(File.Exists(_checkpoint + ".backfill.json"), "backfill began a copy");
    }

    [Fact]
    public async Task Verify_TargetThatIsTheSourceByItsArn_IsRefused()
    {
        var source = await SourceWithItemsAsync();
        var sourceArn = await ArnOfAsync(source);

        var (code, output) = await ReplicatorProcess.RunAsync(moto, Timeout, "verify", "--source", $"{Region}:{source}", "--target", sourceArn);

        Assert.True(code == 2, $"verify exited {code}:\n{output}");
        Assert.Contains("is the source table", Flat(output), StringComparison.Ordinal);
    }

    /// <summary>
    /// A source given as the ARN of a table in another account must be that table: moto keeps
    /// accounts apart, so for the caller it does not exist, while a table of the same name in the
    /// caller's account does. Describing by name would have read that one's stream instead.
    /// </summary>
    [Fact]
    public async Task Status_SourceGivenAsTheArnOfATableInAnotherAccount_AddressesThatTable_NotOneOfTheSameName()
    {
        var source = await SourceWithItemsAsync();
        var ownArn = await ArnOfAsync(source);
        var otherAccountsArn = ownArn.Replace(":123456789012:", ":111111111111:", StringComparison.Ordinal);
        Assert.NotEqual(ownArn, otherAccountsArn);

        var (code, output) = await ReplicatorProcess.RunAsync(moto, Timeout, "status", "--source", otherAccountsArn, "--checkpoint", _checkpoint, "--output", "json");
        Assert.True(code == 2, $"status exited {code}:\n{output}");
        Assert.Contains($"--source: table {otherAccountsArn} does not exist", Flat(output), StringComparison.Ordinal);

        // The table's own ARN, in the caller's account, is the table.
        var (ownCode, own) = await ReplicatorProcess.RunAsync(moto, Timeout, "status", "--source", ownArn, "--checkpoint", _checkpoint, "--output", "json");
        Assert.True(ownCode == 0, $"status exited {ownCode}:\n{own}");
        var streamArn = JsonDocument.Parse(own.Split('\n').Last(line => line.StartsWith('{'))).RootElement.GetProperty("streamArn").GetString();
        Assert.StartsWith($"{ownArn}/stream/", streamArn, StringComparison.Ordinal);
    }
}
