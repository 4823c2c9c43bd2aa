using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Replicator.Aws;
using Replicator.Aws.Verification;
using Replicator.IntegrationTests.Support;

namespace Replicator.IntegrationTests.Cli;

[Collection(MotoCollection.Name)]
public sealed class ReplicateCommandTests(MotoServer moto) : IDisposable
{
    private const string SourceRegion = "us-east-1";
    private const string TargetRegion = "us-west-2";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private readonly string _checkpoint = Path.Combine(Path.GetTempPath(), $"{MotoServer.UniqueName("cp")}.json");

    public void Dispose() => File.Delete(_checkpoint);

    private async Task<(string Source, string Target)> TablesAsync()
    {
        var source = await moto.CreateTableAsync(SourceRegion, "src", stream: true);
        var target = await moto.CreateTableAsync(TargetRegion, "tgt");
        return (source, target);
    }

    private string[] Replicate(string source, string target, params string[] more) =>
        ["replicate", "--source", $"{SourceRegion}:{source}", "--target", $"{TargetRegion}:{target}", "--checkpoint", _checkpoint, .. more];

    private async Task<TableComparison> CompareAsync(string source, string target) =>
        await TableComparer.CompareAsync(moto.Clients.DynamoDb(SourceRegion), source, moto.Clients.DynamoDb(TargetRegion), target, TestContext.Current.CancellationToken);

    /// <summary>Random puts, updates and deletes on few keys, so every key changes many times.</summary>
    private async Task WriteAsync(string table, int changes, int keys, int seed)
    {
        var client = moto.Clients.DynamoDb(SourceRegion);
        var random = new Random(seed);
        for (var i = 0; i < changes; i++)
        {
            var key = new Dictionary<string, AttributeValue> { ["pk"] = new() { S = $"key-{random.Next(keys)}" } };
            switch (random.Next(10))
            {
                case < 5:
                    await client.PutItemAsync(new PutItemRequest { TableName = table, Item = AttributeValues.ToSdk(StreamEvents.Item(key["pk"].S, i)) }, TestContext.Current.CancellationToken);
                    break;
                case < 8:
                    await client.UpdateItemAsync(new UpdateItemRequest
                    {
                        TableName = table,
                        Key = key,
                        UpdateExpression = "SET hits = if_not_exists(hits, :zero) + :one ADD seen :me",
                        ExpressionAttributeValues = new() { [":zero"] = new() { N = "0" }, [":one"] = new() { N = "1" }, [":me"] = new() { SS = [$"w{i % 7}"] } },
                    }, TestContext.Current.CancellationToken);
                    break;
                default:
                    await client.DeleteItemAsync(new DeleteItemRequest { TableName = table, Key = key }, TestContext.Current.CancellationToken);
                    break;
            }
        }
    }

    [Fact]
    public async Task Replicate_KilledAndRestartedWhileWritesGoOn_EndsWithIdenticalTables()
    {
        var (source, target) = await TablesAsync();
        var writer = Task.Run(() => WriteAsync(source, changes: 3000, keys: 40, seed: 1), TestContext.Current.CancellationToken);
        var random = new Random(2);
        var kills = 0;
        while (!writer.IsCompleted || kills < 5)
        {
            using var replicator = ReplicatorProcess.Start(moto, Replicate(source, target));
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(300, 2500)), TestContext.Current.CancellationToken);
            replicator.Kill(); // SIGKILL, at whatever moment it is in.
            kills++;
        }

        await writer;
        var (code, output) = await ReplicatorProcess.RunAsync(moto, Timeout, Replicate(source, target, "--stop-after-idle", "3"));

        Assert.True(code == 0, $"replicate exited {code}:\n{output}");
        var comparison = await CompareAsync(source, target);
        Assert.True(comparison.Differences.Count == 0, $"{comparison.Differences.Count} differences after {kills} kills, e.g. {string.Join("; ", comparison.Differences.Take(3))}");
        Assert.True(comparison.SourceItems > 10);
        Assert.True(File.Exists(_checkpoint));
    }

    [Fact]
    public async Task Replicate_JsonOutput_ThenStatus_ShowsTheShardCaughtUp()
    {
        var (source, target) = await TablesAsync();
        await WriteAsync(source, changes: 50, keys: 10, seed: 3);

        var (code, output) = await ReplicatorProcess.RunAsync(moto, Timeout, Replicate(source, target, "--stop-after-idle", "1", "--output", "json"));
        Assert.True(code == 0, output);
        var summary = JsonDocument.Parse(output.Split('\n').Last(line => line.StartsWith('{'))).RootElement;
        Assert.Equal("idle", summary.GetProperty("stop").GetString());
        Assert.True(summary.GetProperty("recordsApplied").GetInt64() >= 40);
        Assert.Empty((await CompareAsync(source, target)).Differences);

        var (statusCode, status) = await ReplicatorProcess.RunAsync(moto, Timeout, "status", "--source", $"{SourceRegion}:{source}", "--checkpoint", _checkpoint, "--output", "json");
        Assert.True(statusCode == 0, status);
        var shard = Assert.Single(JsonDocument.Parse(status.Split('\n').Last(line => line.StartsWith('{'))).RootElement.GetProperty("shards").EnumerateArray());
        Assert.Equal(0, shard.GetProperty("recordsBehind").GetInt32());
        Assert.False(string.IsNullOrEmpty(shard.GetProperty("checkpoint").GetString()));

        await WriteAsync(source, changes: 5, keys: 10, seed: 4);
        var (_, behind) = await ReplicatorProcess.RunAsync(moto, Timeout, "status", "--source", $"{SourceRegion}:{source}", "--checkpoint", _checkpoint, "--output", "json");
        var lagging = Assert.Single(JsonDocument.Parse(behind.Split('\n').Last(line => line.StartsWith('{'))).RootElement.GetProperty("shards").EnumerateArray());
        Assert.InRange(lagging.GetProperty("recordsBehind").GetInt32(), 4, 10);
    }

    [Fact]
    public async Task Replicate_SourceWithoutAStream_IsAUsageErrorSayingHowToEnableOne()
    {
        var source = await moto.CreateTableAsync(SourceRegion, "nostream");
        var target = await moto.CreateTableAsync(TargetRegion, "tgt");

        var (code, output) = await ReplicatorProcess.RunAsync(moto, Timeout, Replicate(source, target, "--stop-after-idle", "1"));

        Assert.Equal(2, code);
        Assert.Contains("no stream enabled", output, StringComparison.Ordinal);
        Assert.Contains("NEW_AND_OLD_IMAGES", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_AgainstAGivenEndpoint_EndsWithZeroDifferences()
    {
        var (code, output) = await ReplicatorProcess.RunAsync(moto, Timeout, "demo", "--endpoint", moto.Endpoint, "--items", "200", "--output", "json");

        Assert.True(code == 0, output);
        var result = JsonDocument.Parse(output.Split('\n').Last(line => line.StartsWith('{'))).RootElement;
        Assert.Equal(0, result.GetProperty("differences").GetInt32());
        Assert.Equal(result.GetProperty("sourceItems").GetInt64(), result.GetProperty("matched").GetInt64());
        Assert.True(result.GetProperty("lagP50Ms").GetDouble() > 0);
    }
}
