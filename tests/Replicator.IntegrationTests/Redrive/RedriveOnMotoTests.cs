using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using Replicator.Applying;
using Replicator.Aws.Redrive;
using Replicator.IntegrationTests.Cli;
using Replicator.IntegrationTests.Support;
using Replicator.Redrive;
using Replicator.Streams;

namespace Replicator.IntegrationTests.Redrive;

/// <summary>
/// Redrive on moto, end to end: a poison record dead-lettered by <c>replicate --dead-letter-queue</c>
/// (the target's index refuses an empty string), its cause then fixed (the index dropped), then
/// <c>redrive</c>; on-failure records built from the real stream's shard and sequence numbers; a
/// crash between a write and its letter's delete; a dry run.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class RedriveOnMotoTests(MotoServer moto) : IDisposable
{
    private const string SourceRegion = "us-east-1";
    private const string TargetRegion = "us-west-2";
    private const string Index = "by-group";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly string _checkpoint = Path.Combine(Path.GetTempPath(), $"{MotoServer.UniqueName("cp")}.json");

    public void Dispose() => File.Delete(_checkpoint);

    private IAmazonDynamoDB Source => moto.Clients.DynamoDb(SourceRegion);

    private IAmazonDynamoDB Target => moto.Clients.DynamoDb(TargetRegion);

    private IAmazonSQS Sqs => moto.Clients.Sqs(SourceRegion);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A source with a stream, a target whose global secondary index is keyed by <c>g</c> (DynamoDB refuses an item whose <c>g</c> is an empty string), and a queue.</summary>
    private async Task<(string Source, string Target, string Queue)> SetUpAsync()
    {
        var source = await moto.CreateTableAsync(SourceRegion, "src", stream: true);
        var target = MotoServer.UniqueName("tgt");
        await Target.CreateTableAsync(new CreateTableRequest
        {
            TableName = target,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("pk", "S"), new AttributeDefinition("g", "S")],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
            GlobalSecondaryIndexes = [new GlobalSecondaryIndex { IndexName = Index, KeySchema = [new KeySchemaElement("g", KeyType.HASH)], Projection = new Projection { ProjectionType = ProjectionType.ALL } }],
        }, Token);
        var queue = (await Sqs.CreateQueueAsync(MotoServer.UniqueName("dlq"), Token)).QueueUrl;
        return (source, target, queue);
    }

    private Task PutAsync(string table, string pk, string group, int version) =>
        Source.PutItemAsync(new PutItemRequest { TableName = table, Item = new() { ["pk"] = new() { S = pk }, ["g"] = new() { S = group }, ["v"] = new() { N = version.ToString(CultureInfo.InvariantCulture) } } }, Token);

    private async Task<(string? Group, int? Version)> OnTargetAsync(string table, string pk)
    {
        var item = (await Target.GetItemAsync(new GetItemRequest { TableName = table, Key = new() { ["pk"] = new() { S = pk } }, ConsistentRead = true }, Token)).Item;
        return item is { Count: > 0 } ? (item["g"].S, int.Parse(item["v"].N, CultureInfo.InvariantCulture)) : (null, null);
    }

    private async Task ReplicateAsync(string source, string target, string queue)
    {
        var (code, output) = await ReplicatorProcess.RunAsync(moto, Timeout, "replicate", "--source", $"{SourceRegion}:{source}", "--target", $"{TargetRegion}:{target}", "--checkpoint", _checkpoint, "--dead-letter-queue", queue, "--stop-after-idle", "1");
        Assert.True(code == 0, $"replicate exited {code}:\n{output}");
    }

    private Task<(int ExitCode, string Output)> RedriveAsync(string source, string target, string queue, params string[] more) =>
        ReplicatorProcess.RunAsync(moto, Timeout, ["redrive", "--queue", queue, "--source", $"{SourceRegion}:{source}", "--target", $"{TargetRegion}:{target}", .. more]);

    private Task DropIndexAsync(string target) =>
        Target.UpdateTableAsync(new UpdateTableRequest { TableName = target, GlobalSecondaryIndexUpdates = [new GlobalSecondaryIndexUpdate { Delete = new DeleteGlobalSecondaryIndexAction { IndexName = Index } }] }, Token);

    /// <summary>Messages in the queue, visible and hidden.</summary>
    private async Task<(int Visible, int Hidden)> DepthAsync(string queue)
    {
        var attributes = (await Sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest { QueueUrl = queue, AttributeNames = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }, Token)).Attributes;
        return (int.Parse(attributes["ApproximateNumberOfMessages"], CultureInfo.InvariantCulture), int.Parse(attributes["ApproximateNumberOfMessagesNotVisible"], CultureInfo.InvariantCulture));
    }

    /// <summary>The letters in the queue, read and made visible again at once.</summary>
    private async Task<List<JsonNode>> PeekAsync(string queue)
    {
        var messages = (await Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queue, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 }, Token)).Messages ?? [];
        foreach (var message in messages)
        {
            await Sqs.ChangeMessageVisibilityAsync(queue, message.ReceiptHandle, 0, Token);
        }

        return [.. messages.Select(message => JsonNode.Parse(message.Body)!)];
    }

    [Fact]
    public async Task Redrive_PoisonRecordWhoseCauseIsFixed_WritesTheSourcesItem_AndEmptiesTheQueue()
    {
        var (source, target, queue) = await SetUpAsync();
        await PutAsync(source, "fine", "x", 1);
        await PutAsync(source, "poison", "", 1);
        await ReplicateAsync(source, target, queue);
        Assert.Equal((null, null), await OnTargetAsync(target, "poison"));
        var letter = Assert.Single(await PeekAsync(queue));
        Assert.Equal($"{TargetRegion}:{target}", (string?)letter["target"]);
        Assert.Contains("empty string", (string?)letter["error"], StringComparison.Ordinal);

        // Redriven before the cause is fixed: the write is refused again, the letter stays.
        var (failedCode, failedOutput) = await RedriveAsync(source, target, queue, "--visibility-timeout", "1s");
        Assert.True(failedCode == 1, $"redrive exited {failedCode}:\n{failedOutput}");
        Assert.Contains("(write-failed)", failedOutput, StringComparison.Ordinal);
        Assert.Equal(1, (await DepthAsync(queue)).Hidden + (await DepthAsync(queue)).Visible);

        await DropIndexAsync(target);
        await WaitUntilVisibleAsync(queue, 1);
        var (code, output) = await RedriveAsync(source, target, queue, "--output", "json");

        Assert.True(code == 0, $"redrive exited {code}:\n{output}");
        var report = JsonNode.Parse(output)!;
        Assert.Equal((1, 1, 0), ((int)report["lettersRead"]!, (int)report["redriven"]!, (int)report["kept"]!));
        Assert.Equal(1, (int)report["targets"]![0]!["written"]!);
        Assert.Equal(("", 1), await OnTargetAsync(target, "poison"));
        Assert.Equal((0, 0), await DepthAsync(queue));
    }

    [Fact]
    public async Task Redrive_AfterANewerChangeWasReplicated_DoesNotSetTheKeyBack()
    {
        var (source, target, queue) = await SetUpAsync();
        await PutAsync(source, "k", "", 1);
        await ReplicateAsync(source, target, queue);
        await PutAsync(source, "k", "fixed", 2);
        await ReplicateAsync(source, target, queue);
        Assert.Equal(("fixed", 2), await OnTargetAsync(target, "k"));

        // With the index gone, the letter's old image (g = "", v = 1) would now be accepted: a redrive must not write it.
        await DropIndexAsync(target);
        var (code, output) = await RedriveAsync(source, target, queue);

        Assert.True(code == 0, $"redrive exited {code}:\n{output}");
        Assert.Contains("Read 1 letter: 1 redriven, 0 kept in the queue.", Unwrapped(output), StringComparison.Ordinal);
        Assert.Equal(("fixed", 2), await OnTargetAsync(target, "k"));
        Assert.Equal((0, 0), await DepthAsync(queue));
    }

    [Fact]
    public async Task Redrive_KeyDeletedOnTheSourceSince_DeletesItOnTheTarget()
    {
        var (source, target, queue) = await SetUpAsync();
        await PutAsync(source, "k", "x", 1);
        await ReplicateAsync(source, target, queue);
        await PutAsync(source, "k", "", 2);
        await ReplicateAsync(source, target, queue);
        Assert.Equal(("x", 1), await OnTargetAsync(target, "k"));
        await Source.DeleteItemAsync(source, new() { ["pk"] = new() { S = "k" } }, Token);

        var (code, output) = await RedriveAsync(source, target, queue, "--output", "json");

        Assert.True(code == 0, $"redrive exited {code}:\n{output}");
        Assert.Equal(1, (int)JsonNode.Parse(output)!["targets"]![0]!["deleted"]!);
        Assert.Equal((null, null), await OnTargetAsync(target, "k"));
        Assert.Equal((0, 0), await DepthAsync(queue));
    }

    [Fact]
    public async Task Redrive_OnFailureRecordOfTheRealStream_CopiesTheKeysOfItsRange()
    {
        var (source, target, queue) = await SetUpAsync();
        await DropIndexAsync(target);
        foreach (var pk in new[] { "before", "first", "second", "first", "after" })
        {
            await PutAsync(source, pk, "x", 1);
        }

        var (arn, shard, records) = await StreamAsync(source);
        Assert.Equal(5, records.Count);
        await Sqs.SendMessageAsync(queue, OnFailure(arn, shard, records[1].SequenceNumber.Value, records[3].SequenceNumber.Value, 3), Token);
        await PutAsync(source, "second", "x", 7);

        var (code, output) = await RedriveAsync(source, target, queue);

        Assert.True(code == 0, $"redrive exited {code}:\n{output}");
        Assert.Equal([("x", 1), ("x", 7), (null, null), (null, null)], [await OnTargetAsync(target, "first"), await OnTargetAsync(target, "second"), await OnTargetAsync(target, "before"), await OnTargetAsync(target, "after")]);
        Assert.Equal((0, 0), await DepthAsync(queue));
    }

    [Fact]
    public async Task Redrive_CrashBetweenTheWriteAndTheDelete_LosesNoLetter_ARerunAfterTheVisibilityTimeoutRedrivesIt()
    {
        var (source, target, queue) = await SetUpAsync();
        await PutAsync(source, "k", "", 1);
        await ReplicateAsync(source, target, queue);
        await DropIndexAsync(target);
        var settings = new RedriveSettings { Source = new TargetTable(SourceRegion, source), VisibilityTimeout = TimeSpan.FromSeconds(1) };
        var crashing = new CrashBeforeDelete(new SqsLetterQueue(Sqs, queue));
        var redriver = new Redriver(crashing, moto.Clients.TableReader(settings.Source), [moto.Clients.Writer(new TargetTable(TargetRegion, target))], moto.Clients.Streams(SourceRegion), settings, TimeProvider.System, new Random(1));

        await Assert.ThrowsAsync<IOException>(() => redriver.RunAsync(Token));
        Assert.Equal(("", 1), await OnTargetAsync(target, "k"));
        await Target.DeleteItemAsync(target, new() { ["pk"] = new() { S = "k" } }, Token);
        Assert.Equal(1, (await DepthAsync(queue)).Hidden + (await DepthAsync(queue)).Visible);

        await WaitUntilVisibleAsync(queue, 1);
        var (code, output) = await RedriveAsync(source, target, queue);

        Assert.True(code == 0, $"redrive exited {code}:\n{output}");
        Assert.Equal(("", 1), await OnTargetAsync(target, "k"));
        Assert.Equal((0, 0), await DepthAsync(queue));
    }

    [Fact]
    public async Task Redrive_DryRun_ListsTheWrites_ChangesNothing_AndLeavesTheLettersVisible()
    {
        var (source, target, queue) = await SetUpAsync();
        await PutAsync(source, "k", "", 1);
        await ReplicateAsync(source, target, queue);
        await DropIndexAsync(target);
        var (arn, shard, records) = await StreamAsync(source);
        await Sqs.SendMessageAsync(queue, OnFailure(arn, shard, records[0].SequenceNumber.Value, records[0].SequenceNumber.Value, 1), Token);

        var (code, output) = await RedriveAsync(source, target, queue, "--dry-run");

        Assert.True(code == 0, $"redrive exited {code}:\n{output}");
        Assert.Contains($$$"""would put {"pk":{"S":"k"}} on {{{TargetRegion}}}:{{{target}}}""", output, StringComparison.Ordinal);
        Assert.Contains("Read 2 letters: 2 would be redriven, 0 kept in the queue (dry run: nothing written, no letter deleted).", Unwrapped(output), StringComparison.Ordinal);
        Assert.Equal((null, null), await OnTargetAsync(target, "k"));
        Assert.Equal((2, 0), await DepthAsync(queue));
    }

    /// <summary>The output as one line: the console wraps long lines at 80 columns when it is not a terminal.</summary>
    private static string Unwrapped(string output) => System.Text.RegularExpressions.Regex.Replace(output, @"\s+", " ");

    /// <summary>The source's stream, its one shard (moto has one), and every record on it so far.</summary>
    private async Task<(string Arn, string Shard, IReadOnlyList<Replicator.Model.ChangeRecord> Records)> StreamAsync(string table)
    {
        var arn = (await Source.DescribeTableAsync(table, Token)).Table.LatestStreamArn;
        var streams = moto.Clients.Streams(SourceRegion);
        var shard = Assert.Single((await streams.DescribeStreamAsync(arn, Token)).Shards).ShardId;
        var page = await streams.GetRecordsAsync(await streams.GetShardIteratorAsync(arn, shard, ShardIteratorType.TrimHorizon, null, Token), Token);
        return (arn, shard, page.Batch.Records);
    }

    /// <summary>What Lambda sends a DynamoDB event source mapping's on-failure destination for a batch it gave up on.</summary>
    private static string OnFailure(string streamArn, string shardId, string start, string end, int batchSize) =>
        new JsonObject
        {
            ["requestContext"] = new JsonObject { ["requestId"] = "316aa6d0-8154-4ab5-9af7-85d5f4a6bc81", ["functionArn"] = "arn:aws:lambda:us-east-1:123456789012:function:replicator", ["condition"] = "RetryAttemptsExhausted", ["approximateInvokeCount"] = 3 },
            ["responseContext"] = new JsonObject { ["statusCode"] = 200, ["executedVersion"] = "$LATEST", ["functionError"] = "Unhandled" },
            ["version"] = "1.0",
            ["timestamp"] = "2026-12-01T10:00:00.000Z",
            ["DDBStreamBatchInfo"] = new JsonObject
            {
                ["shardId"] = shardId,
                ["startSequenceNumber"] = start,
                ["endSequenceNumber"] = end,
                ["approximateArrivalOfFirstRecord"] = "2026-12-01T09:59:00Z",
                ["approximateArrivalOfLastRecord"] = "2026-12-01T09:59:01Z",
                ["batchSize"] = batchSize,
                ["streamArn"] = streamArn,
            },
        }.ToJsonString();

    /// <summary>Waits (bounded) until the queue shows this many visible messages: a hidden letter's visibility timeout has passed.</summary>
    private async Task WaitUntilVisibleAsync(string queue, int count)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Token);
        limit.CancelAfter(TimeSpan.FromSeconds(30));
        while ((await DepthAsync(queue)).Visible < count)
        {
            await Task.Delay(50, limit.Token);
        }
    }

    /// <summary>A process that dies after its writes and before the letters' delete: the delete throws, and nothing deletes them.</summary>
    private sealed class CrashBeforeDelete(ILetterQueue inner) : ILetterQueue
    {
        public Task<IReadOnlyList<QueuedMessage>> ReceiveAsync(int max, TimeSpan visibility, CancellationToken cancellationToken) => inner.ReceiveAsync(max, visibility, cancellationToken);

        public Task<IReadOnlyDictionary<string, string>> DeleteAsync(IReadOnlyList<QueuedMessage> messages, CancellationToken cancellationToken) => throw new IOException("killed before DeleteMessageBatch");

        public Task ReleaseAsync(IReadOnlyList<QueuedMessage> messages, CancellationToken cancellationToken) => inner.ReleaseAsync(messages, cancellationToken);
    }
}
