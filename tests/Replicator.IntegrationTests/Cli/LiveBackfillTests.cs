using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Replicator.Aws;
using Replicator.Aws.Verification;
using Replicator.Backfill;
using Replicator.Backfill.Live;
using Replicator.IntegrationTests.Support;
using Replicator.Model;

namespace Replicator.IntegrationTests.Cli;

/// <summary>
/// <c>replicate --backfill</c> on moto, as a user runs it: one process that replicates and copies
/// at once, killed mid-copy and run again, while the application updates and deletes keys.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class LiveBackfillTests(MotoServer moto) : IDisposable
{
    private const string SourceRegion = "us-east-1";
    private const string TargetRegion = "eu-west-1";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);
    private readonly string _checkpoint = Path.Combine(Path.GetTempPath(), $"{MotoServer.UniqueName("cp")}.json");

    public void Dispose()
    {
        File.Delete(_checkpoint);
        File.Delete(BackfillState.PathFor(_checkpoint));
    }

    private IAmazonDynamoDB Source => moto.Clients.DynamoDb(SourceRegion);

    private static Dictionary<string, AttributeValue> Item(int i, int version, int padding) => AttributeValues.ToSdk(new Dictionary<string, DynamoValue>
    {
        ["pk"] = DynamoValue.String($"item-{i}"),
        ["version"] = DynamoValue.Number($"{version}"),
        ["flag"] = DynamoValue.Bool(i % 2 == 0),
        ["ss"] = DynamoValue.StringSet(["a", $"s{i % 5}"]),
        ["padding"] = DynamoValue.String(new string('p', padding)),
    });

    /// <summary>A table full of items written before it had a stream, then the stream enabled; and an empty target.</summary>
    private async Task<(string Source, string Target)> ExistingTableAsync(int items, int padding)
    {
        var source = await moto.CreateTableAsync(SourceRegion, "big");
        var target = await moto.CreateTableAsync(TargetRegion, "big-copy");
        await Parallel.ForEachAsync(Enumerable.Range(0, items).Chunk(25), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (chunk, token) =>
        {
            var response = await Source.BatchWriteItemAsync(new BatchWriteItemRequest
            {
                RequestItems = new() { [source] = chunk.Select(i => new WriteRequest { PutRequest = new PutRequest { Item = Item(i, 0, padding) } }).ToList() },
            }, token);
            Assert.True(response.UnprocessedItems is null || response.UnprocessedItems.Count == 0);
        });
        await Source.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = source,
            StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = Amazon.DynamoDBv2.StreamViewType.NEW_AND_OLD_IMAGES },
        }, TestContext.Current.CancellationToken);
        return (source, target);
    }

    /// <summary>The application, until stopped: puts, updates and (one change in three) deletes of existing keys, a few milliseconds apart.</summary>
    private async Task<int> WriteUntilStoppedAsync(string table, int keys, int padding, CancellationToken stop)
    {
        var random = new Random(11);
        var changes = 0;
        while (!stop.IsCancellationRequested)
        {
            var n = random.Next(keys);
            var key = new Dictionary<string, AttributeValue> { ["pk"] = new() { S = $"item-{n}" } };
            changes++;
            switch (random.Next(3))
            {
                case 0:
                    await Source.PutItemAsync(new PutItemRequest { TableName = table, Item = Item(n, changes, padding) }, CancellationToken.None);
                    break;
                case 1:
                    await Source.UpdateItemAsync(new UpdateItemRequest
                    {
                        TableName = table,
                        Key = key,
                        UpdateExpression = "SET version = :v ADD ss :s",
                        ExpressionAttributeValues = new() { [":v"] = new() { N = $"{changes}" }, [":s"] = new() { SS = [$"u{changes}"] } },
                    }, CancellationToken.None);
                    break;
                default:
                    await Source.DeleteItemAsync(new DeleteItemRequest { TableName = table, Key = key }, CancellationToken.None);
                    break;
            }

            await Task.Delay(5, CancellationToken.None);
        }

        return changes;
    }

    private string[] Args(string source, string target, params string[] more) =>
        ["replicate", "--backfill", "--segments", "2", "--source", $"{SourceRegion}:{source}", "--target", $"{TargetRegion}:{target}", "--checkpoint", _checkpoint, "--stop-after-idle", "2", .. more];

    [Fact]
    public async Task ReplicateBackfill_KilledMidCopyWhileTheApplicationWrites_ResumesAndFinishes_AndVerifyFindsTheTablesIdentical()
    {
        // Bulky items make a scan page small (1 MB), so the copy takes many pages and can be caught mid-way.
        var (source, target) = await ExistingTableAsync(items: 3000, padding: 3000);
        using var stopWriting = new CancellationTokenSource();
        var writer = WriteUntilStoppedAsync(source, keys: 3000, padding: 3000, stopWriting.Token);
        var progress = BackfillState.PathFor(_checkpoint);

        using (var first = ReplicatorProcess.Start(moto, Args(source, target)))
        {
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (!(BackfillState.Load(progress) is { ItemsCopied: > 0 } state && state.Segments.Any(s => !s.Done)) && waited.Elapsed < TimeSpan.FromSeconds(90))
            {
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }

            first.Kill(); // SIGKILL, mid-copy, with replication running beside it.
            Assert.True(BackfillState.Load(progress) is { Phase: LiveCopyPhase.Copying }, $"the copy finished or never started before it could be killed:\n{first.Output}");
        }

        // Plain replicate refuses the unfinished copy, naming the command that finishes it.
        var (refused, refusal) = await ReplicatorProcess.RunAsync(moto, Timeout, "replicate", "--source", $"{SourceRegion}:{source}", "--target", $"{TargetRegion}:{target}", "--checkpoint", _checkpoint);
        Assert.True(refused == 2, refusal);
        // The console wraps long lines.
        Assert.Contains("replicator replicate --backfill", string.Join(' ', refusal.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);

        using var second = ReplicatorProcess.Start(moto, Args(source, target));
        var done = System.Diagnostics.Stopwatch.StartNew();
        while (File.Exists(progress) && done.Elapsed < Timeout)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        // The copy and the sweep are done; the application stops, and replication catches up and goes idle.
        await stopWriting.CancelAsync();
        var changes = await writer;
        var code = await second.WaitAsync(Timeout);

        Assert.True(code == 0, second.Output);
        Assert.Contains("resuming replicate --backfill", second.Output, StringComparison.Ordinal);
        Assert.Contains("the live copy is done", second.Output, StringComparison.Ordinal);
        // Deletes replicated during the copy were markers, and the sweep took them off.
        Assert.Matches(@"[1-9][0-9]* delete\(s\) written as markers, [1-9][0-9]* marker\(s\) swept", string.Join(' ', second.Output.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries)));
        Assert.True(changes > 50, $"the application made only {changes} changes");
        var (verified, report) = await ReplicatorProcess.RunAsync(moto, Timeout, "verify", "--source", $"{SourceRegion}:{source}", "--target", $"{TargetRegion}:{target}", "--output", "json");
        Assert.True(verified == 0, $"verify exited {verified}:\n{report}\n{second.Output}");
        var comparison = await TableComparer.CompareAsync(Source, source, moto.Clients.DynamoDb(TargetRegion), target, TestContext.Current.CancellationToken);
        Assert.True(comparison.Differences.Count == 0, $"{comparison.Differences.Count} differences, e.g. {string.Join("; ", comparison.Differences.Take(3).Select(d => $"{d.Kind} {d.Key}"))}");
    }
}
