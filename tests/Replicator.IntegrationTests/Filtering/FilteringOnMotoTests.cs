using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Replicator.IntegrationTests.Cli;
using Replicator.IntegrationTests.Support;

namespace Replicator.IntegrationTests.Filtering;

/// <summary>
/// Filtering end to end on moto, with the replicator as a user runs it: replicate with a filter
/// and a projection (items entering and leaving the filter on the way), verify identical under the
/// filter; then a changed filter, brought in line by verify --repair, verifies identical under it.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class FilteringOnMotoTests(MotoServer moto) : IDisposable
{
    private const string SourceRegion = "us-east-1";
    private const string TargetRegion = "eu-west-1";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly string _checkpoint = Path.Combine(Path.GetTempPath(), $"{MotoServer.UniqueName("cp")}.json");

    public void Dispose() => File.Delete(_checkpoint);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private Task PutAsync(string table, string pk, string status, string secret) =>
        moto.Clients.DynamoDb(SourceRegion).PutItemAsync(new PutItemRequest
        {
            TableName = table,
            Item = new() { ["pk"] = new() { S = pk }, ["status"] = new() { S = status }, ["secret"] = new() { S = secret }, ["n"] = new() { N = "1" } },
        }, Token);

    /// <summary>The target's items as pk → sorted attribute names with their S or N value, for a readable comparison.</summary>
    private async Task<SortedDictionary<string, string>> TargetAsync(string table) =>
        new((await moto.ScanAsync(TargetRegion, table)).ToDictionary(
            item => item["pk"].S,
            item => string.Join(",", item.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Key}={pair.Value.S ?? pair.Value.N}"))));

    private async Task<JsonElement> VerifyAsync(string source, string target, int expectedExit, params string[] more)
    {
        var (code, output) = await ReplicatorProcess.RunAsync(moto, Timeout, ["verify", "--source", $"{SourceRegion}:{source}", "--target", $"{TargetRegion}:{target}", "--settle", "0", "--output", "json", .. more]);
        Assert.True(code == expectedExit, $"verify exited {code}, not {expectedExit}:\n{output}");
        return JsonDocument.Parse(output.Split('\n').Last(line => line.StartsWith('{'))).RootElement;
    }

    [Fact]
    public async Task Replicate_WithFilterAndProjection_VerifiesIdentical_AndAChangedFilterIsRepairedByVerify()
    {
        var source = await moto.CreateTableAsync(SourceRegion, "filtered", stream: true);
        var target = await moto.CreateTableAsync(TargetRegion, "filtered");
        await PutAsync(source, "eu#1", "active", "s1");
        await PutAsync(source, "eu#2", "active", "s2");
        await PutAsync(source, "eu#3", "inactive", "s3");
        await PutAsync(source, "us#4", "active", "s4");
        await PutAsync(source, "eu#2", "inactive", "s2"); // leaves the filter
        await PutAsync(source, "eu#3", "active", "s3"); // enters it
        string[] filter = ["--filter", "begins_with(pk, \"eu#\") and status = \"active\"", "--exclude-attributes", "secret"];

        var (replicated, log) = await ReplicatorProcess.RunAsync(moto, Timeout, ["replicate", "--source", $"{SourceRegion}:{source}", "--target", $"{TargetRegion}:{target}", "--checkpoint", _checkpoint, "--stop-after-idle", "1", .. filter]);

        Assert.True(replicated == 0, log);
        Assert.Equal(new SortedDictionary<string, string> { ["eu#1"] = "n=1,pk=eu#1,status=active", ["eu#3"] = "n=1,pk=eu#3,status=active" }, await TargetAsync(target));
        Assert.True((await VerifyAsync(source, target, 0, filter)).GetProperty("identical").GetBoolean());

        string[] changed = ["--filter", "status = \"active\"", "--include-attributes", "status"];
        Assert.False((await VerifyAsync(source, target, 1, changed)).GetProperty("identical").GetBoolean());
        await VerifyAsync(source, target, 0, [.. changed, "--repair"]);

        Assert.Equal(new SortedDictionary<string, string> { ["eu#1"] = "pk=eu#1,status=active", ["eu#3"] = "pk=eu#3,status=active", ["us#4"] = "pk=us#4,status=active" }, await TargetAsync(target));
        Assert.True((await VerifyAsync(source, target, 0, changed)).GetProperty("identical").GetBoolean());
    }
}
