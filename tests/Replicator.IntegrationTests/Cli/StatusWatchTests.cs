using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2.Model;
using Replicator.IntegrationTests.Support;

namespace Replicator.IntegrationTests.Cli;

/// <summary>
/// <c>replicator status --watch</c>, the real executable, against moto with a <c>replicate</c>
/// running: on a terminal (tmux) the live view, piped the JSON lines.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed partial class StatusWatchTests(MotoServer moto) : IDisposable
{
    private const string SourceRegion = "us-east-1";
    private const string TargetRegion = "us-west-2";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), MotoServer.UniqueName("watch"));

    private string Checkpoint => Path.Combine(_directory, "checkpoint.json");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [GeneratedRegex("[▁▂▃▄▅▆▇█]+ max [0-9.]+ (s|min|h)")]
    private static partial Regex Chart();

    [GeneratedRegex(@"│ shardId-\S+\s+│ open\s+│ (≥ )?[0-9]+\s+│")]
    private static partial Regex ShardRow();

    private async Task<string> SourceAsync()
    {
        var source = await moto.CreateTableAsync(SourceRegion, "watch-src", stream: true);
        await WriteAsync(source, 0, 30);
        return source;
    }

    private async Task WriteAsync(string table, int from, int count, TimeSpan? pause = null)
    {
        for (var i = from; i < from + count; i++)
        {
            await moto.Clients.DynamoDb(SourceRegion).PutItemAsync(
                new PutItemRequest { TableName = table, Item = new() { ["pk"] = new() { S = $"key-{i}" }, ["n"] = new() { N = $"{i}" } } },
                TestContext.Current.CancellationToken);
            if (pause is { } wait)
            {
                await Task.Delay(wait, TestContext.Current.CancellationToken);
            }
        }
    }

    /// <summary>A replicate that runs until the test ends, and has written its checkpoint and progress file once.</summary>
    private async Task<ReplicatorProcess> ReplicateAsync(string source)
    {
        var target = await moto.CreateTableAsync(TargetRegion, "watch-tgt");
        var replicate = ReplicatorProcess.Start(moto, "replicate", "--source", $"{SourceRegion}:{source}", "--target", $"{TargetRegion}:{target}", "--checkpoint", Checkpoint);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!File.Exists(Checkpoint + ".progress.json") || !File.Exists(Checkpoint))
        {
            Assert.True(DateTime.UtcNow < deadline, $"replicate wrote no checkpoint and progress file within a minute:\n{replicate.Output}");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        return replicate;
    }

    private string[] Watch(string source, params string[] more) =>
        ["status", "--watch", "--source", $"{SourceRegion}:{source}", "--checkpoint", Checkpoint, .. more];

    [Fact]
    public async Task Watch_OnATerminal_WithReplicateRunning_ShowsShardsBehindAndTheLagChart_AndCtrlCLeavesWithExitZero()
    {
        var source = await SourceAsync();
        using var replicate = await ReplicateAsync(source);
        var exitFile = Path.Combine(_directory, "watch.exit");
        var command = $"env AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL={moto.Endpoint} " +
            $"{ReplicatorProcess.Executable} {string.Join(' ', Watch(source))}; echo $? > {exitFile}; sleep 60";
        await using var terminal = await Tmux.StartAsync(command, width: 160, height: 24);
        // Writes go on while the view runs, a few a second, so that there is something behind and something applied.
        var writes = WriteAsync(source, 1000, 100, TimeSpan.FromMilliseconds(100));

        var screen = "";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!(ShardRow().IsMatch(screen) && Chart().IsMatch(screen) && screen.Contains("replicate running", StringComparison.Ordinal) && screen.Contains(TargetRegion, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the live view did not show the shard, its chart, the target and a running replicate within a minute. The screen:\n{screen}\nreplicate:\n{replicate.Output}");
            await Task.Delay(500, TestContext.Current.CancellationToken);
            screen = await terminal.CaptureAsync();
        }

        await Task.Delay(TimeSpan.FromSeconds(4), TestContext.Current.CancellationToken); // A few more refreshes while the writes go on.
        screen = await terminal.CaptureAsync();
        await writes;
        await File.WriteAllTextAsync(Path.Combine(Path.GetTempPath(), "replicator-status-watch-capture.txt"), screen, TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(screen);
        Assert.Contains("Behind (records)", screen, StringComparison.Ordinal);
        Assert.Contains("Oldest unreplicated", screen, StringComparison.Ordinal);
        Assert.Contains("Lag, last 5 min", screen, StringComparison.Ordinal);
        Assert.Matches(ShardRow(), screen);
        Assert.Matches(Chart(), screen);

        await terminal.InterruptAsync();
        var stopBy = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!File.Exists(exitFile) || (await File.ReadAllTextAsync(exitFile, TestContext.Current.CancellationToken)).Trim().Length == 0)
        {
            Assert.True(DateTime.UtcNow < stopBy, $"status --watch did not leave on Ctrl-C. The screen:\n{await terminal.CaptureAsync()}");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        Assert.Equal("0", (await File.ReadAllTextAsync(exitFile, TestContext.Current.CancellationToken)).Trim());
    }

    [Fact]
    public async Task Watch_PipedAsJson_WithReplicateRunning_PrintsOneObjectARefresh_WithReplicatesThroughput()
    {
        var source = await SourceAsync();
        using var replicate = await ReplicateAsync(source);
        var writes = WriteAsync(source, 1000, 20, TimeSpan.FromMilliseconds(100));

        var (code, output) = await ReplicatorProcess.RunAsync(moto, TimeSpan.FromMinutes(1), Watch(source, "--output", "json", "--max-refreshes", "4"));
        await writes;

        Assert.True(code == 0, $"status --watch exited {code}:\n{output}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', lines));
        Assert.Equal(4, lines.Length);
        var frames = lines.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.All(frames, frame =>
        {
            var shard = Assert.Single(frame.GetProperty("shards").EnumerateArray());
            Assert.StartsWith("shardId-", shard.GetProperty("shardId").GetString(), StringComparison.Ordinal);
            Assert.True(shard.GetProperty("recordsBehind").GetInt32() >= 0);
            Assert.Equal(30, shard.GetProperty("lagSeconds").GetArrayLength());
        });
        var last = frames[^1];
        Assert.Equal("running", last.GetProperty("replicate").GetString());
        var target = Assert.Single(last.GetProperty("targets").EnumerateArray());
        Assert.Equal(TargetRegion, target.GetProperty("region").GetString());
        Assert.Equal(JsonValueKind.Number, target.GetProperty("lastLagMs").ValueKind);
        Assert.True(target.TryGetProperty("writesPerSecond", out _));
        Assert.Equal(JsonValueKind.Number, last.GetProperty("shards")[0].GetProperty("recordsPerSecond").ValueKind);
    }
}
