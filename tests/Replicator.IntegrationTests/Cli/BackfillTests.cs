using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.Aws.Verification;
using Replicator.Backfill;
using Replicator.IntegrationTests.Support;
using Replicator.Model;

namespace Replicator.IntegrationTests.Cli;

/// <summary>
/// Backfill brings a table that already holds data into replication while the application keeps
/// writing: the data predates the stream, the writes go on during the copy, and after replicate
/// the tables must be identical.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class BackfillTests(MotoServer moto) : IDisposable
{
    private const string SourceRegion = "us-east-1";
    private const string TargetRegion = "eu-west-1";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private readonly string _checkpoint = Path.Combine(Path.GetTempPath(), $"{MotoServer.UniqueName("cp")}.json");

    public void Dispose()
    {
        File.Delete(_checkpoint);
        File.Delete(BackfillState.PathFor(_checkpoint));
    }

    private IAmazonDynamoDB Source => moto.Clients.DynamoDb(SourceRegion);

    /// <summary>An item of every attribute type, with some bulk so that scans take several pages.</summary>
    private static Dictionary<string, AttributeValue> Item(int i, int version, int padding) => AttributeValues.ToSdk(new Dictionary<string, DynamoValue>
    {
        ["pk"] = DynamoValue.String($"item-{i}"),
        ["version"] = DynamoValue.Number($"{version}"),
        ["big"] = DynamoValue.Number("12345678901234567890.123456789012345678"),
        ["bytes"] = DynamoValue.Binary([(byte)i, 0, 255]),
        ["flag"] = DynamoValue.Bool(i % 2 == 0),
        ["nothing"] = DynamoValue.Null,
        ["map"] = DynamoValue.Map(new Dictionary<string, DynamoValue> { ["list"] = DynamoValue.List([DynamoValue.Number($"{i}"), DynamoValue.String("x")]) }),
        ["ss"] = DynamoValue.StringSet(["a", $"s{i % 5}"]),
        ["ns"] = DynamoValue.NumberSet(["1", $"{i + 2}"]),
        ["bs"] = DynamoValue.BinarySet([[1], [(byte)(i % 200 + 2)]]),
        ["padding"] = DynamoValue.String(new string('p', padding)),
    });

    /// <summary>A table full of items written before it had a stream, then the stream enabled: the situation backfill is for.</summary>
    private async Task<(string Source, string Target)> ExistingTableAsync(int items, int padding)
    {
        var source = await moto.CreateTableAsync(SourceRegion, "existing");
        var target = await moto.CreateTableAsync(TargetRegion, "new-region");
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

    /// <summary>What the application keeps doing meanwhile: puts, updates and deletes on the existing keys.</summary>
    private async Task WriteWhileCopyingAsync(string table, int changes, int keys, int padding, CancellationToken stop)
    {
        var random = new Random(9);
        for (var i = 0; i < changes && !stop.IsCancellationRequested; i++)
        {
            var n = random.Next(keys);
            var key = new Dictionary<string, AttributeValue> { ["pk"] = new() { S = $"item-{n}" } };
            switch (random.Next(3))
            {
                case 0:
                    await Source.PutItemAsync(new PutItemRequest { TableName = table, Item = Item(n, i + 1, padding) }, CancellationToken.None);
                    break;
                case 1:
                    await Source.UpdateItemAsync(new UpdateItemRequest
                    {
                        TableName = table,
                        Key = key,
                        UpdateExpression = "SET version = :v ADD ss :s",
                        ExpressionAttributeValues = new() { [":v"] = new() { N = $"{i + 1}" }, [":s"] = new() { SS = [$"u{i}"] } },
                    }, CancellationToken.None);
                    break;
                default:
                    await Source.DeleteItemAsync(new DeleteItemRequest { TableName = table, Key = key }, CancellationToken.None);
                    break;
            }
        }
    }

    private string[] Args(string command, string source, string target, params string[] more) =>
        [command, "--source", $"{SourceRegion}:{source}", "--target", $"{TargetRegion}:{target}", "--checkpoint", _checkpoint, .. more];

    /// <summary>Both the command a user would run (replicator verify) and a full-scan comparison say the tables are the same.</summary>
    private async Task AssertIdenticalAsync(string source, string target)
    {
        var (verified, report) = await ReplicatorProcess.RunAsync(moto, Timeout, "verify", "--source", $"{SourceRegion}:{source}", "--target", $"{TargetRegion}:{target}", "--output", "json");
        Assert.True(verified == 0, $"verify exited {verified}:\n{report}");
        var result = System.Text.Json.JsonDocument.Parse(report.Split('\n').Last(line => line.StartsWith('{'))).RootElement;
        Assert.True(result.GetProperty("identical").GetBoolean(), report);

        var comparison = await TableComparer.CompareAsync(Source, source, moto.Clients.DynamoDb(TargetRegion), target, TestContext.Current.CancellationToken);
        Assert.True(comparison.Differences.Count == 0, $"{comparison.Differences.Count} differences, e.g. {string.Join("; ", comparison.Differences.Take(3).Select(d => $"{d.Kind} {d.Key}"))}");
        Assert.True(comparison.SourceItems > 100);
    }

    [Fact]
    public async Task Backfill_WhileTheApplicationWrites_ThenReplicate_LeavesTheTablesIdentical()
    {
        var (source, target) = await ExistingTableAsync(items: 3000, padding: 100);
        using var stopWriting = new CancellationTokenSource();
        var writer = WriteWhileCopyingAsync(source, changes: 600, keys: 3000, padding: 100, stopWriting.Token);

        var (code, output) = await ReplicatorProcess.RunAsync(moto, Timeout, Args("backfill", source, target, "--segments", "3"));
        await writer;

        Assert.True(code == 0, output);
        Assert.Contains("stream position taken before the copy", output, StringComparison.Ordinal);
        var (replicated, log) = await ReplicatorProcess.RunAsync(moto, Timeout, Args("replicate", source, target, "--stop-after-idle", "2"));
        Assert.True(replicated == 0, log);
        await AssertIdenticalAsync(source, target);
    }

    [Fact]
    public async Task Backfill_KilledMidCopy_ResumesWithItsFirstPosition_AndReplicateConverges()
    {
        // Bulky items make a scan page small (1 MB), so the copy takes many pages and can be caught mid-way.
        var (source, target) = await ExistingTableAsync(items: 3000, padding: 3000);
        using var stopWriting = new CancellationTokenSource();
        var writer = WriteWhileCopyingAsync(source, changes: 400, keys: 3000, padding: 3000, stopWriting.Token);
        var progress = BackfillState.PathFor(_checkpoint);

        using (var first = ReplicatorProcess.Start(moto, Args("backfill", source, target, "--segments", "2")))
        {
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (!(BackfillState.Load(progress) is { ItemsCopied: > 0 } state && state.Segments.Any(s => !s.Done)) && waited.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }

            first.Kill(); // SIGKILL, mid-copy.
            Assert.True(File.Exists(progress), $"the backfill finished or never started before it could be killed:\n{first.Output}");
        }

        var position = await File.ReadAllTextAsync(_checkpoint, TestContext.Current.CancellationToken);
        var (code, output) = await ReplicatorProcess.RunAsync(moto, Timeout, Args("backfill", source, target, "--segments", "2"));
        await writer;

        Assert.True(code == 0, output);
        Assert.Contains("resuming the backfill", output, StringComparison.Ordinal);
        Assert.Equal(position, await File.ReadAllTextAsync(_checkpoint, TestContext.Current.CancellationToken));
        Assert.False(File.Exists(progress));
        var (replicated, log) = await ReplicatorProcess.RunAsync(moto, Timeout, Args("replicate", source, target, "--stop-after-idle", "2"));
        Assert.True(replicated == 0, log);
        await AssertIdenticalAsync(source, target);
    }

    [Fact]
    public async Task Backfill_ThrottledTarget_LosesNoItem()
    {
        var (source, target) = await ExistingTableAsync(items: 1500, padding: 50);
        await using var proxy = new FaultProxy(moto.Endpoint);
        var batches = 0;
        proxy.Policy = (operation, _) => operation == "BatchWriteItem"
            ? (Interlocked.Increment(ref batches) % 3) switch { 0 => Fault.Throttle, 1 => Fault.HalfUnprocessed, _ => Fault.None }
            : Fault.None;
        using var throttled = new AwsClients(MotoServer.Credentials, proxy.Endpoint);
        var streamArn = (await Source.DescribeTableAsync(source, TestContext.Current.CancellationToken)).Table.LatestStreamArn;
        var backfiller = new Backfiller(
            new DynamoDbTableReader(Source, new TargetTable(SourceRegion, source)),
            [throttled.Writer(new TargetTable(TargetRegion, target))],
            moto.Clients.Streams(SourceRegion),
            TimeProvider.System,
            new Random(5),
            _ => { });

        var result = await backfiller.RunAsync(new BackfillRequest(new TargetTable(SourceRegion, source), [new TargetTable(TargetRegion, target)], 2, _checkpoint), streamArn, TestContext.Current.CancellationToken);

        Assert.Equal(1500, result.ItemsCopied);
        Assert.Contains(proxy.Log, entry => entry.Fault == Fault.Throttle);
        Assert.Contains(proxy.Log, entry => entry.Fault == Fault.HalfUnprocessed);
        await AssertIdenticalAsync(source, target);
    }

    /// <summary>The source scanned over the JSON protocol (items kept as the answer's bytes) through faults: a refused or dropped page is read again, and every item lands.</summary>
    [Fact]
    public async Task Backfill_FaultyScansOfTheSource_LoseNoItem()
    {
        var (source, target) = await ExistingTableAsync(items: 1500, padding: 50);
        await using var proxy = new FaultProxy(moto.Endpoint);
        proxy.Policy = (operation, call) => operation == "Scan"
            ? (call % 4) switch { 1 => Fault.Throttle, 2 => Fault.DropConnection, _ => Fault.None }
            : Fault.None;
        using var faulty = new AwsClients(MotoServer.Credentials, proxy.Endpoint);
        var streamArn = (await Source.DescribeTableAsync(source, TestContext.Current.CancellationToken)).Table.LatestStreamArn;
        var backfiller = new Backfiller(
            faulty.TableReader(new TargetTable(SourceRegion, source)),
            [moto.Clients.Writer(new TargetTable(TargetRegion, target))],
            moto.Clients.Streams(SourceRegion),
            TimeProvider.System,
            new Random(5),
            _ => { });

        var result = await backfiller.RunAsync(new BackfillRequest(new TargetTable(SourceRegion, source), [new TargetTable(TargetRegion, target)], 2, _checkpoint), streamArn, TestContext.Current.CancellationToken);

        Assert.Equal(1500, result.ItemsCopied);
        Assert.Contains(proxy.Log, entry => entry.Fault == Fault.Throttle);
        Assert.Contains(proxy.Log, entry => entry.Fault == Fault.DropConnection);
        await AssertIdenticalAsync(source, target);
    }

    [Fact]
    public async Task Backfill_SourceWithoutAStream_IsRefused()
    {
        var source = await moto.CreateTableAsync(SourceRegion, "nostream");
        var target = await moto.CreateTableAsync(TargetRegion, "t");

        var (code, output) = await ReplicatorProcess.RunAsync(moto, Timeout, Args("backfill", source, target));

        Assert.Equal(2, code);
        Assert.Contains("no stream enabled", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backfill_TargetWithAnotherKeySchema_IsRefused()
    {
        var source = await moto.CreateTableAsync(SourceRegion, "src", stream: true);
        var target = await moto.CreateTableAsync(TargetRegion, "other", partitionKeyType: "N");

        var (code, output) = await ReplicatorProcess.RunAsync(moto, Timeout, Args("backfill", source, target));

        Assert.Equal(2, code);
        Assert.Contains("key schema", output, StringComparison.Ordinal);
    }
}
