using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2.Model;
using Replicator.IntegrationTests.Support;

namespace Replicator.IntegrationTests.Cli;

/// <summary>
/// The retention warning end to end: a proxy in front of moto's Streams API makes every record 13
/// hours old (moto's records are always fresh), and <c>status</c>, <c>status --watch</c> and
/// <c>replicate</c> all say that the oldest unreplicated change is past half the retention.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class RetentionWarningTests(MotoServer moto) : IDisposable
{
    private const string Region = "us-east-1";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly string _checkpoint = Path.Combine(Path.GetTempPath(), $"{MotoServer.UniqueName("retention")}.json");

    public void Dispose()
    {
        File.Delete(_checkpoint);
        File.Delete(_checkpoint + ".progress.json");
    }

    /// <summary>A GetRecords answer whose records were made 13 hours before moto says.</summary>
    private static byte[] ThirteenHoursOlder(string operation, byte[] answer)
    {
        if (operation != "GetRecords")
        {
            return answer;
        }

        var response = JsonNode.Parse(answer)!.AsObject();
        foreach (var record in response["Records"]?.AsArray() ?? [])
        {
            if (record?["dynamodb"] is JsonObject change && change["ApproximateCreationDateTime"] is JsonValue time)
            {
                change["ApproximateCreationDateTime"] = time.GetValue<double>() - TimeSpan.FromHours(13).TotalSeconds;
            }
        }

        return Encoding.UTF8.GetBytes(response.ToJsonString());
    }

    private static async Task<(int Code, string Output)> RunAsync(MotoServer moto, FaultProxy proxy, params string[] args)
    {
        using var process = ReplicatorProcess.Start(moto, new Dictionary<string, string> { ["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"] = proxy.Endpoint }, args);
        var code = await process.WaitAsync(Timeout);
        return (code, process.Output);
    }

    [Fact]
    public async Task BacklogThirteenHoursOld_StatusWatchAndReplicate_WarnThatHalfTheRetentionIsGone()
    {
        var source = await moto.CreateTableAsync(Region, "old-src", stream: true);
        var target = await moto.CreateTableAsync("us-west-2", "old-tgt");
        for (var i = 0; i < 20; i++)
        {
            await moto.Clients.DynamoDb(Region).PutItemAsync(new PutItemRequest { TableName = source, Item = new() { ["pk"] = new() { S = $"k{i}" } } }, TestContext.Current.CancellationToken);
        }

        await using var proxy = new FaultProxy(moto.Endpoint) { Answer = ThirteenHoursOlder };
        string[] status = ["status", "--source", $"{Region}:{source}", "--checkpoint", _checkpoint, "--output", "json"];

        var (statusCode, statusOutput) = await RunAsync(moto, proxy, status);
        var (watchCode, watchOutput) = await RunAsync(moto, proxy, [.. status, "--watch", "--max-refreshes", "1"]);
        var (laterCode, laterOutput) = await RunAsync(moto, proxy, [.. status, "--retention-warning", "0.6"]);
        var (replicateCode, replicateOutput) = await RunAsync(moto, proxy, "replicate", "--source", $"{Region}:{source}", "--target", $"us-west-2:{target}", "--checkpoint", _checkpoint, "--stop-after-idle", "2");

        Assert.True(statusCode == 0 && watchCode == 0 && laterCode == 0, $"status exited {statusCode}, {watchCode}, {laterCode}:\n{statusOutput}\n{watchOutput}\n{laterOutput}");
        const string Expected = "the oldest unreplicated change is 13.0 h old, past 50% of the stream's 24 h retention; at 24 h records are lost";
        Assert.Contains(Expected, ShardOf(statusOutput).GetProperty("retentionWarning").GetString(), StringComparison.Ordinal);
        Assert.Contains(Expected, ShardOf(watchOutput).GetProperty("retentionWarning").GetString(), StringComparison.Ordinal);
        Assert.False(ShardOf(laterOutput).TryGetProperty("retentionWarning", out _)); // 60% is 14.4 h.
        Assert.True(replicateCode == 0, $"replicate exited {replicateCode}:\n{replicateOutput}");
        Assert.Single(Regex.Matches(replicateOutput, "warning: shard shardId-[^:]+: " + Regex.Escape(Expected)));
    }

    private static JsonElement ShardOf(string json) => Assert.Single(JsonDocument.Parse(json).RootElement.GetProperty("shards").EnumerateArray());
}
