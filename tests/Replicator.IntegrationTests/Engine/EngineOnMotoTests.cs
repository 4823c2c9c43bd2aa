using System.Text;
using System.Text.Json.Nodes;
using Amazon.SQS.Model;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.IntegrationTests.Support;
using Replicator.Model;

namespace Replicator.IntegrationTests.Engine;

[Collection(MotoCollection.Name)]
public sealed class EngineOnMotoTests(MotoServer moto)
{
    private async Task<TargetTable> TableAsync(string region = "us-west-2") => new(region, await moto.CreateTableAsync(region, "target"));

    private static DynamoValue Nested(int levels) =>
        levels == 1 ? DynamoValue.String("bottom") : DynamoValue.Map(new Dictionary<string, DynamoValue> { ["down"] = Nested(levels - 1), ["level"] = DynamoValue.Number($"{levels}") });

    [Fact]
    public async Task Apply_EveryAttributeType_RoundTripsToTheTarget()
    {
        var target = await TableAsync();
        var every = new Dictionary<string, DynamoValue>
        {
            ["pk"] = DynamoValue.String("every-type"),
            ["s"] = DynamoValue.String("Zoë — \"quoted\" \u2603 \U0001F600"),
            ["n"] = DynamoValue.Number("12345678901234567890123456789012345678"),
            ["n_small"] = DynamoValue.Number("-0.000000000000000000000000000000000000012345"),
            ["n_exp"] = DynamoValue.Number("9.9999999999999999999999999999999999999E+125"),
            ["b"] = DynamoValue.Binary(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray()),
            ["bool_true"] = DynamoValue.True,
            ["bool_false"] = DynamoValue.False,
            ["null"] = DynamoValue.Null,
            ["m"] = DynamoValue.Map(new Dictionary<string, DynamoValue> { ["inner"] = DynamoValue.List([DynamoValue.Number("1"), DynamoValue.String("two"), DynamoValue.Null]) }),
            ["l"] = DynamoValue.List([DynamoValue.Binary([1, 2, 3]), DynamoValue.Map(new Dictionary<string, DynamoValue>()), DynamoValue.List([]), DynamoValue.StringSet(["x"])]),
            ["ss"] = DynamoValue.StringSet(["red", "green", "blue"]),
            ["ns"] = DynamoValue.NumberSet(["1", "2.5", "-3E+10"]),
            ["bs"] = DynamoValue.BinarySet([[0], [1, 2], [255]]),
            ["deep"] = Nested(ReplicationOptions.MaxNestingDepth),
        };
        var large = new Dictionary<string, DynamoValue>
        {
            ["pk"] = DynamoValue.String("large"),
            ["payload"] = DynamoValue.String(new string('x', 390 * 1024)),
        };

        var report = await EngineHarness.Engine(moto.Clients, [target]).ApplyAsync(
            [new Change("INSERT", 1, StreamEvents.Key("every-type"), every), new Change("INSERT", 2, StreamEvents.Key("large"), large)]);

        Assert.True(report.Succeeded, string.Join("; ", report.Errors));
        var stored = await EngineHarness.GetAsync(moto, target, "every-type");
        Assert.NotNull(stored);
        Assert.True(DynamoValue.MapsEqual(every, stored), $"stored {DynamoJson.ToJson(stored)}");
        Assert.Equal("12345678901234567890123456789012345678", stored["n"].AsNumber());
        Assert.Equal(every["b"].AsBinary(), stored["b"].AsBinary());
        Assert.Equal(390 * 1024, (await EngineHarness.GetAsync(moto, target, "large"))!["payload"].AsString().Length);
    }

    [Fact]
    public async Task Replay_OfTheWholeBatchOrAnySuffix_LeavesTheTargetUnchanged()
    {
        var target = await TableAsync();
        var engine = EngineHarness.Engine(moto.Clients, [target]);
        var changes = StreamEvents.Random(count: 60, keys: 6, seed: 11);

        Assert.True((await engine.ApplyAsync(changes)).Succeeded);
        var after = await EngineHarness.ContentsAsync(moto, target);
        EngineHarness.AssertSame(EngineHarness.Expected(changes), after);

        foreach (var start in new[] { 0, 1, 7, 23, 42, 59 })
        {
            Assert.True((await engine.ApplyAsync(changes.Skip(start))).Succeeded);
            EngineHarness.AssertSame(after, await EngineHarness.ContentsAsync(moto, target));
        }
    }

    [Fact]
    public async Task Replay_OfAnyWindowFollowedByRedeliveryFromIt_ConvergesOnTheSource()
    {
        var target = await TableAsync();
        var engine = EngineHarness.Engine(moto.Clients, [target]);
        var changes = StreamEvents.Random(count: 50, keys: 5, seed: 12);
        Assert.True((await engine.ApplyAsync(changes)).Succeeded);

        // At-least-once delivery re-sends a window and then carries on from where it resumed.
        foreach (var (start, length) in new[] { (0, 10), (5, 1), (20, 25), (49, 1) })
        {
            Assert.True((await engine.ApplyAsync(changes.Skip(start).Take(length))).Succeeded);
            Assert.True((await engine.ApplyAsync(changes.Skip(start + length))).Succeeded);
            EngineHarness.AssertSame(EngineHarness.Expected(changes), await EngineHarness.ContentsAsync(moto, target));
        }
    }

    [Fact]
    public async Task Apply_SeveralTargetsInDifferentRegions_EachGetsEveryChange()
    {
        var west = await TableAsync("us-west-2");
        var europe = await TableAsync("eu-west-1");
        var asia = new TargetTable("ap-southeast-2", west.TableName); // Same name in a third region: must stay apart.
        await moto.Clients.DynamoDb("ap-southeast-2").CreateTableAsync(new Amazon.DynamoDBv2.Model.CreateTableRequest
        {
            TableName = asia.TableName,
            BillingMode = Amazon.DynamoDBv2.BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new("pk", "S")],
            KeySchema = [new("pk", Amazon.DynamoDBv2.KeyType.HASH)],
        }, TestContext.Current.CancellationToken);
        var changes = StreamEvents.Random(count: 120, keys: 40, seed: 13);

        var report = await EngineHarness.Engine(moto.Clients, [west, europe, asia]).ApplyAsync(changes);

        Assert.True(report.Succeeded, string.Join("; ", report.Errors));
        var expected = EngineHarness.Expected(changes);
        foreach (var table in new[] { west, europe, asia })
        {
            EngineHarness.AssertSame(expected, await EngineHarness.ContentsAsync(moto, table));
        }

        Assert.Equal(["us-west-2", "eu-west-1", "ap-southeast-2"], report.Latencies.Select(l => l.Region));
    }

    /// <summary>An item over DynamoDB's 400 KB limit: the service refuses it ("Item size has exceeded the maximum allowed size") whatever the table.</summary>
    private static Change TooLarge(long sequenceNumber, string pk) =>
        new("INSERT", sequenceNumber, StreamEvents.Key(pk), new() { ["pk"] = DynamoValue.String(pk), ["payload"] = DynamoValue.String(new string('x', 401 * 1024)) });

    private async Task<string> QueueAsync(Dictionary<string, string>? attributes = null) =>
        (await moto.Clients.Sqs("us-east-1").CreateQueueAsync(new CreateQueueRequest { QueueName = MotoServer.UniqueName("dlq"), Attributes = attributes }, TestContext.Current.CancellationToken)).QueueUrl;

    private async Task<List<Message>> ReceiveAsync(string queueUrl) =>
        (await moto.Clients.Sqs("us-east-1").ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 }, TestContext.Current.CancellationToken)).Messages ?? [];

    [Fact]
    public async Task Apply_PoisonRecord_GoesToTheDeadLetterQueueWhole_WhileItsNeighboursApply()
    {
        var target = await TableAsync();
        var queueUrl = await QueueAsync();
        var sink = new SqsDeadLetterSink(moto.Clients.Sqs("us-east-1"), queueUrl);
        var changes = new List<Change> { StreamEvents.Put(501, "a", 1), TooLarge(502, "big"), StreamEvents.Put(503, "b", 1) };

        var report = await EngineHarness.Engine(moto.Clients, [target], sink).ApplyAsync(changes);

        Assert.True(report.Succeeded, string.Join("; ", report.Errors));
        Assert.Equal((2, 1, 0), (report.RecordsApplied, report.RecordsDeadLettered, report.RecordsFailed));
        Assert.Equal(["a", "b"], (await EngineHarness.ContentsAsync(moto, target)).Keys.Order());
        var message = JsonNode.Parse(Assert.Single(await ReceiveAsync(queueUrl)).Body)!;
        Assert.Equal(target.ToString(), (string?)message["target"]);
        Assert.Equal("502", (string?)message["sequenceNumber"]);
        Assert.Equal("event-502", (string?)message["eventID"]);
        Assert.Contains("Item size has exceeded", (string?)message["error"], StringComparison.Ordinal);
        Assert.Equal("502", (string?)message["record"]!["dynamodb"]!["SequenceNumber"]);
        Assert.Equal(401 * 1024, ((string?)message["record"]!["dynamodb"]!["NewImage"]!["payload"]!["S"])!.Length);
    }

    [Fact]
    public async Task Apply_PoisonRecordWithoutDeadLetterQueue_IsReportedAtItsSequenceNumber()
    {
        var target = await TableAsync();

        var report = await EngineHarness.Engine(moto.Clients, [target]).ApplyAsync([StreamEvents.Put(601, "a", 1), TooLarge(602, "big"), StreamEvents.Put(603, "b", 1)]);

        Assert.Equal("602", report.FirstFailure?.Value);
        Assert.Contains(report.Errors, e => e.Contains("Item size has exceeded", StringComparison.Ordinal));
        Assert.Equal(["a", "b"], (await EngineHarness.ContentsAsync(moto, target)).Keys.Order());
    }

    [Theory]
    [InlineData("N", null, "Type mismatch for key")]
    [InlineData("S", "S", "Missing the key sk")]
    public async Task Apply_TargetWithAnotherKeySchema_IsAFailureAtTheRecordsSequenceNumber_NeverADeadLetter(string partitionKeyType, string? sortKeyType, string error)
    {
        var target = new TargetTable("us-west-2", await moto.CreateTableAsync("us-west-2", "schema", partitionKeyType, sortKeyType));
        var queueUrl = await QueueAsync();
        var sink = new SqsDeadLetterSink(moto.Clients.Sqs("us-east-1"), queueUrl);

        var report = await EngineHarness.Engine(moto.Clients, [target], sink).ApplyAsync([StreamEvents.Put(801, "a", 1), StreamEvents.Put(802, "b", 1)]);

        Assert.Equal("801", report.FirstFailure?.Value);
        Assert.Equal((0, 0, 2), (report.RecordsApplied, report.RecordsDeadLettered, report.RecordsFailed));
        Assert.Contains(report.Errors, e => e.Contains(error, StringComparison.Ordinal));
        Assert.Empty(await ReceiveAsync(queueUrl));
        Assert.Empty(await moto.ScanAsync(target.Region, target.TableName));
    }

    [Fact]
    public async Task Apply_TargetGivenAsArn_WritesToThatTable()
    {
        var name = await moto.CreateTableAsync("us-west-2", "by-arn");
        var arn = (await moto.Clients.DynamoDb("us-west-2").DescribeTableAsync(name, TestContext.Current.CancellationToken)).Table.TableArn;
        var target = TargetTables.Parse(arn);
        var changes = StreamEvents.Random(count: 40, keys: 30, seed: 14);

        var report = await EngineHarness.Engine(moto.Clients, [target]).ApplyAsync(changes);

        Assert.True(report.Succeeded, string.Join("; ", report.Errors));
        Assert.Equal(arn, target.Arn);
        EngineHarness.AssertSame(EngineHarness.Expected(changes), await EngineHarness.ContentsAsync(moto, target));
    }

    [Fact]
    public async Task Apply_TargetTableMissing_IsAFailureNotADeadLetter()
    {
        var missing = new TargetTable("us-west-2", MotoServer.UniqueName("missing"));
        var sink = new SqsDeadLetterSink(moto.Clients.Sqs("us-east-1"), (await moto.Clients.Sqs("us-east-1").CreateQueueAsync(MotoServer.UniqueName("dlq"), TestContext.Current.CancellationToken)).QueueUrl);

        var report = await EngineHarness.Engine(moto.Clients, [missing], sink).ApplyAsync([StreamEvents.Put(701, "a", 1)]);

        Assert.Equal("701", report.FirstFailure?.Value);
        Assert.Equal(0, report.RecordsDeadLettered);
        Assert.Contains(report.Errors, e => e.Contains("ResourceNotFoundException", StringComparison.Ordinal));
    }

    [Fact]
    public void DeadLetter_TooLargeForOneMessage_IsSentWithoutItsBody()
    {
        var letter = new DeadLetter("us-west-2:t", "ValidationException", "9", "e9", Encoding.UTF8.GetBytes($"{{\"x\":\"{new string('x', 1100 * 1024)}\"}}"));
        Assert.True(Encoding.UTF8.GetByteCount(SqsDeadLetterSink.Body(letter, includeRecord: true)) > ReplicationOptions.MaxMessageBytes);
        var small = JsonNode.Parse(SqsDeadLetterSink.Body(letter, includeRecord: false))!;
        Assert.True((bool?)small["truncated"]);
        Assert.Equal("9", (string?)small["sequenceNumber"]);
    }

    /// <summary>SQS takes messages up to 1 MiB, but a queue may be set to take less (256 KiB was the old limit).</summary>
    [Theory]
    [InlineData(null, false)]
    [InlineData(256 * 1024, true)]
    public async Task DeadLetter_Of300KB_IsDelivered_WholeOrTruncatedAsTheQueueAllows(int? maximumMessageSize, bool truncated)
    {
        var queueUrl = await QueueAsync(maximumMessageSize is { } size ? new() { ["MaximumMessageSize"] = size.ToString(System.Globalization.CultureInfo.InvariantCulture) } : null);
        var sink = new SqsDeadLetterSink(moto.Clients.Sqs("us-east-1"), queueUrl);
        var letter = new DeadLetter("us-west-2:t", "ValidationException", "9", "e9", Encoding.UTF8.GetBytes($"{{\"x\":\"{new string('x', 300 * 1024)}\"}}"));

        await sink.SendAsync(letter, TestContext.Current.CancellationToken);

        var message = JsonNode.Parse(Assert.Single(await ReceiveAsync(queueUrl)).Body)!;
        Assert.Equal("9", (string?)message["sequenceNumber"]);
        Assert.Equal(truncated, (bool?)message["truncated"] ?? false);
        Assert.Equal(truncated ? null : 300 * 1024, ((string?)message["record"]?["x"])?.Length);
    }

    [Fact]
    public async Task DeadLetters_WithoutSequenceNumbers_OnAFifoQueue_AreAllDelivered()
    {
        var queueUrl = (await moto.Clients.Sqs("us-east-1").CreateQueueAsync(
            new CreateQueueRequest { QueueName = MotoServer.UniqueName("dlq") + ".fifo", Attributes = new() { ["FifoQueue"] = "true" } },
            TestContext.Current.CancellationToken)).QueueUrl;
        var sink = new SqsDeadLetterSink(moto.Clients.Sqs("us-east-1"), queueUrl);

        foreach (var record in new[] { "{\"broken\":1}", "{\"broken\":2}", "{\"broken\":1}" })
        {
            await sink.SendAsync(new DeadLetter(null, "unreadable", null, null, Encoding.UTF8.GetBytes(record)), TestContext.Current.CancellationToken);
        }

        // Two distinct letters; the third repeats the first, and SQS drops it as a duplicate.
        Assert.Equal([1, 2], (await ReceiveAsync(queueUrl)).Select(m => (int)JsonNode.Parse(m.Body)!["record"]!["broken"]!).Order());
    }
}
