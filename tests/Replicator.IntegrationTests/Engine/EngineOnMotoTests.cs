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

    [Fact]
    public async Task Apply_PoisonRecord_GoesToTheDeadLetterQueueWhole_WhileItsNeighboursApply()
    {
        var target = await TableAsync();
        var queueUrl = (await moto.Clients.Sqs("us-east-1").CreateQueueAsync(MotoServer.UniqueName("dlq"), TestContext.Current.CancellationToken)).QueueUrl;
        var sink = new SqsDeadLetterSink(moto.Clients.Sqs("us-east-1"), queueUrl);
        // The target's key is a string; a number key is a validation error, as it would be on AWS.
        var poison = new Change("INSERT", 502, new() { ["pk"] = DynamoValue.Number("7") }, new() { ["pk"] = DynamoValue.Number("7"), ["x"] = DynamoValue.String("y") });
        var changes = new List<Change> { StreamEvents.Put(501, "a", 1), poison, StreamEvents.Put(503, "b", 1) };

        var report = await EngineHarness.Engine(moto.Clients, [target], sink).ApplyAsync(changes);

        Assert.True(report.Succeeded, string.Join("; ", report.Errors));
        Assert.Equal((2, 1, 0), (report.RecordsApplied, report.RecordsDeadLettered, report.RecordsFailed));
        Assert.Equal(["a", "b"], (await EngineHarness.ContentsAsync(moto, target)).Keys.Order());
        var messages = await moto.Clients.Sqs("us-east-1").ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 }, TestContext.Current.CancellationToken);
        var message = JsonNode.Parse(Assert.Single(messages.Messages).Body)!;
        Assert.Equal(target.ToString(), (string?)message["target"]);
        Assert.Equal("502", (string?)message["sequenceNumber"]);
        Assert.Contains("ValidationException", (string?)message["error"], StringComparison.Ordinal);
        Assert.Equal("502", (string?)message["record"]!["dynamodb"]!["SequenceNumber"]);
        Assert.Equal("y", (string?)message["record"]!["dynamodb"]!["NewImage"]!["x"]!["S"]);
    }

    [Fact]
    public async Task Apply_PoisonRecordWithoutDeadLetterQueue_IsReportedAtItsSequenceNumber()
    {
        var target = await TableAsync();
        var poison = new Change("INSERT", 602, new() { ["pk"] = DynamoValue.Number("7") }, new() { ["pk"] = DynamoValue.Number("7") });

        var report = await EngineHarness.Engine(moto.Clients, [target]).ApplyAsync([StreamEvents.Put(601, "a", 1), poison, StreamEvents.Put(603, "b", 1)]);

        Assert.Equal("602", report.FirstFailure?.Value);
        Assert.Contains(report.Errors, e => e.Contains("ValidationException", StringComparison.Ordinal));
        Assert.Equal(["a", "b"], (await EngineHarness.ContentsAsync(moto, target)).Keys.Order());
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
        var letter = new DeadLetter("us-west-2:t", "ValidationException", "9", "e9", Encoding.UTF8.GetBytes($"{{\"x\":\"{new string('x', 300 * 1024)}\"}}"));
        Assert.True(Encoding.UTF8.GetByteCount(SqsDeadLetterSink.Body(letter, includeRecord: true)) > SqsDeadLetterSink.MaxMessageBytes);
        var small = JsonNode.Parse(SqsDeadLetterSink.Body(letter, includeRecord: false))!;
        Assert.True((bool?)small["truncated"]);
        Assert.Equal("9", (string?)small["sequenceNumber"]);
    }
}
