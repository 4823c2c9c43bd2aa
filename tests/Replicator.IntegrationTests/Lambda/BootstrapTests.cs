using System.Diagnostics;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Amazon.SQS.Model;
using Replicator.Aws;
using Replicator.IntegrationTests.Support;
using Replicator.Model;
using Replicator.Parsing;

namespace Replicator.IntegrationTests.Lambda;

/// <summary>
/// The published Native AOT <c>bootstrap</c>, end to end: run as Lambda runs it, fed through a
/// stand-in of the runtime API, writing to moto. Every wait is bounded.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class BootstrapTests(MotoServer moto, PublishedBootstrap bootstrap) : IClassFixture<PublishedBootstrap>
{
    private const string TargetRegion = "us-west-2";
    private const string EmptyResponse = """{"batchItemFailures":[]}""";

    /// <summary>Bound on any one step (a reply, an exit); moto on two shared cores can be slow, the bootstrap is not.</summary>
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);

    private Dictionary<string, string> Environment(RuntimeApiStandIn api, string targets, params (string Name, string Value)[] more)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AWS_LAMBDA_RUNTIME_API"] = api.Address,
            ["REPLICATION_TARGETS"] = targets,
            ["AWS_ENDPOINT_URL"] = moto.Endpoint,
            ["AWS_ACCESS_KEY_ID"] = "testing",
            ["AWS_SECRET_ACCESS_KEY"] = "testing",
            ["AWS_REGION"] = "us-east-1",
            ["AWS_EC2_METADATA_DISABLED"] = "true",
        };
        foreach (var (name, value) in more)
        {
            environment[name] = value;
        }

        return environment;
    }

    private BootstrapProcess Start(Dictionary<string, string> environment) => BootstrapProcess.Start(bootstrap.Executable, environment);

    private byte[] Fixture(string name) =>
        File.ReadAllBytes(Path.Combine(bootstrap.RepositoryRoot, "tests", "Replicator.IntegrationTests", "Lambda", "Fixtures", name));

    /// <summary>A record of the Lambda event's shape on key (pk, sk = 1); <paramref name="pk"/> is DynamoDB JSON, e.g. <c>{"S":"a"}</c>.</summary>
    private static string Record(string eventName, string pk, string sequenceNumber, string? extra = null)
    {
        var keys = $$$"""{"pk":{{{pk}}},"sk":{"N":"1"}}""";
        var image = eventName == "REMOVE" ? "" : $$$""","NewImage":{"pk":{{{pk}}},"sk":{"N":"1"}{{{(extra is null ? "" : "," + extra)}}}}""";
        return $$$"""{"eventID":"e{{{sequenceNumber}}}","eventName":"{{{eventName}}}","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":"us-east-1","dynamodb":{"ApproximateCreationDateTime":{{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}}},"Keys":{{{keys}}}{{{image}}},"SequenceNumber":"{{{sequenceNumber}}}","SizeBytes":64,"StreamViewType":"NEW_AND_OLD_IMAGES"},"eventSourceARN":"arn:aws:dynamodb:us-east-1:123456789012:table/source/stream/2026-01-01T00:00:00.000"}""";
    }

    /// <summary>An attribute that takes an item over DynamoDB's 400 KB limit: a record the target refuses whatever its key schema.</summary>
    private static readonly string TooLarge = $$"""
        "payload":{"S":"{{new string('x', 401 * 1024)}}"}
        """;

    private static string Event(params string[] records) => """{"Records":[""" + string.Join(",", records) + "]}";

    /// <summary>Every item of the table, by its key (pk, sk).</summary>
    private async Task<Dictionary<ItemKey, Dictionary<string, DynamoValue>>> ItemsAsync(string table)
    {
        var items = await moto.ScanAsync(TargetRegion, table);
        return items.Select(item => AttributeValues.FromSdk(item)).ToDictionary(KeyOf);
    }

    private static ItemKey KeyOf(IReadOnlyDictionary<string, DynamoValue> item) =>
        new(item.Where(pair => pair.Key is "pk" or "sk").ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal));

    /// <summary>The table's items after <paramref name="streamEvent"/> is applied to <paramref name="before"/>: each key's last new image, removed keys gone.</summary>
    private static Dictionary<ItemKey, Dictionary<string, DynamoValue>> LastImages(byte[] streamEvent, Dictionary<ItemKey, Dictionary<string, DynamoValue>> before)
    {
        var expected = new Dictionary<ItemKey, Dictionary<string, DynamoValue>>(before);
        var batch = StreamEventParser.Parse(streamEvent);
        Assert.Empty(batch.Malformed);
        foreach (var record in batch.Records.OrderBy(record => record.SequenceNumber))
        {
            if (record.Kind == ChangeKind.Remove)
            {
                expected.Remove(record.Key);
            }
            else
            {
                expected[record.Key] = new Dictionary<string, DynamoValue>(Assert.IsAssignableFrom<IReadOnlyDictionary<string, DynamoValue>>(record.NewImage), StringComparer.Ordinal);
            }
        }

        return expected;
    }

    private static void AssertSameItems(Dictionary<ItemKey, Dictionary<string, DynamoValue>> expected, Dictionary<ItemKey, Dictionary<string, DynamoValue>> actual)
    {
        Assert.True(
            expected.Keys.ToHashSet().SetEquals(actual.Keys),
            $"the keys differ:\nexpected {string.Join(" ", expected.Keys)}\nactual   {string.Join(" ", actual.Keys)}");
        foreach (var (key, item) in expected)
        {
            Assert.True(DynamoValue.MapsEqual(item, actual[key]), $"item {key} differs:\nexpected {DynamoJson.ToJson(item)}\nactual   {DynamoJson.ToJson(actual[key])}");
        }
    }

    private static JsonElement ErrorDocument(RuntimeReply reply)
    {
        using var document = JsonDocument.Parse(reply.Body);
        return document.RootElement.Clone();
    }

    [Fact]
    public async Task StreamEvent_LeavesTheTargetEqualToTheLastImageOfEveryKey_AndARedeliveryChangesNothing()
    {
        var table = await moto.CreateTableAsync(TargetRegion, "lambda", sortKeyType: "N");
        var client = moto.Clients.DynamoDb(TargetRegion);
        await client.PutItemAsync(table, new() { ["pk"] = new() { S = "carol" }, ["sk"] = new() { N = "1" }, ["name"] = new() { S = "Carol" } }, TestContext.Current.CancellationToken);
        await client.PutItemAsync(table, new() { ["pk"] = new() { S = "zed" }, ["sk"] = new() { N = "9" }, ["untouched"] = new() { BOOL = true } }, TestContext.Current.CancellationToken);
        var streamEvent = Fixture("stream-event.json");
        var expected = LastImages(streamEvent, await ItemsAsync(table));
        await using var api = new RuntimeApiStandIn();
        var first = api.Enqueue(streamEvent);

        await using var process = Start(Environment(api, $"{TargetRegion}:{table}"));
        var reply = await process.Within(api.ReplyAsync(first), StepTimeout, "the response to the first delivery");

        Assert.Equal(ReplyKind.Response, reply.Kind);
        Assert.Equal(EmptyResponse, reply.Text);
        var after = await ItemsAsync(table);
        AssertSameItems(expected, after);
        Assert.Equal(["alice/1", "alice/2", "bob/1", "erin/3", "frank/4", "zed/9"], after.Values.Select(item => $"{item["pk"].AsString()}/{item["sk"].AsNumber()}").Order(StringComparer.Ordinal));
        Assert.Equal("31", after.Values.Single(item => item["pk"].AsString() == "alice" && item["sk"].AsNumber() == "1")["age"].AsNumber());

        var second = api.Enqueue(streamEvent);
        var replay = await process.Within(api.ReplyAsync(second), StepTimeout, "the response to the second delivery");

        Assert.Equal((ReplyKind.Response, EmptyResponse), (replay.Kind, replay.Text));
        AssertSameItems(after, await ItemsAsync(table));
        Assert.Empty(api.Unexpected);
        Assert.False(process.HasExited, process.Describe());

        var lines = process.Lines.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Contains(lines, line => line.TryGetProperty("requestId", out var id) && id.GetString() == first && line.GetProperty("message").GetString() == "batch replicated" && line.GetProperty("applied").GetInt32() == 11);
        Assert.Contains(lines, line => line.TryGetProperty("requestId", out var id) && id.GetString() == second);
        Assert.Contains(lines, line => line.TryGetProperty("_aws", out _) && line.TryGetProperty("TargetRegion", out var region) && region.GetString() == TargetRegion);
    }

    [Theory]
    [InlineData("REPLICATION_TARGETS", "nonsense")]
    [InlineData("REPLICATION_TARGETS", "")]
    [InlineData("TTL_DELETES", "sometimes")]
    [InlineData("DEAD_LETTER_QUEUE_URL", "arn:aws:sqs:us-east-1:123456789012:dead-letters")]
    public async Task BadConfiguration_PostsAnInitErrorNamingTheVariable_AndExits(string variable, string value)
    {
        await using var api = new RuntimeApiStandIn();
        await using var process = Start(Environment(api, $"{TargetRegion}:unused-table", (variable, value)));

        var initError = await process.Within(api.InitErrorAsync(), StepTimeout, "the init error");
        var exitCode = await process.ExitAsync(StepTimeout);

        Assert.Equal("Replicator.ConfigurationError", initError.ErrorType);
        var document = ErrorDocument(initError);
        Assert.Equal("Replicator.ConfigurationError", document.GetProperty("errorType").GetString());
        Assert.StartsWith(variable, document.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Array, document.GetProperty("stackTrace").ValueKind);
        Assert.NotEqual(0, exitCode);
        Assert.Equal(0, api.NextRequests);
        Assert.Contains(process.Lines, line => line.Contains("initialization failed", StringComparison.Ordinal) && line.Contains(variable, StringComparison.Ordinal));
    }

    [Fact]
    public async Task MalformedEvents_PostInvocationErrors_AndTheNextGoodEventIsServed()
    {
        var table = await moto.CreateTableAsync(TargetRegion, "lambda", sortKeyType: "N");
        await using var api = new RuntimeApiStandIn();
        var notAnEvent = api.Enqueue("""{"nope":1}""");
        var notJson = api.Enqueue("this is not JSON");
        var good = api.Enqueue(Event(Record("INSERT", """{"S":"after"}""", "100000000000000000001", "\"note\":{\"S\":\"served\"}")));

        await using var process = Start(Environment(api, $"{TargetRegion}:{table}"));

        foreach (var requestId in new[] { notAnEvent, notJson })
        {
            var error = await process.Within(api.ReplyAsync(requestId), StepTimeout, $"the error for {requestId}");
            Assert.Equal((ReplyKind.InvocationError, "Replicator.MalformedEvent"), (error.Kind, error.ErrorType));
            Assert.Equal("Replicator.MalformedEvent", ErrorDocument(error).GetProperty("errorType").GetString());
            Assert.Contains(process.Lines, line => line.Contains(requestId, StringComparison.Ordinal) && JsonDocument.Parse(line).RootElement.GetProperty("level").GetString() == "error");
        }

        var reply = await process.Within(api.ReplyAsync(good), StepTimeout, "the response to the good event");
        Assert.Equal((ReplyKind.Response, EmptyResponse), (reply.Kind, reply.Text));
        Assert.Equal("served", Assert.Single((await ItemsAsync(table)).Values)["note"].AsString());
        Assert.False(process.HasExited, process.Describe());
        Assert.Empty(api.Unexpected);
    }

    [Fact]
    public async Task RecordTheTargetRefuses_WithoutDeadLetterQueue_IsReportedAsTheBatchItemFailure()
    {
        var table = await moto.CreateTableAsync(TargetRegion, "lambda", sortKeyType: "N");
        await using var api = new RuntimeApiStandIn();
        // An item over 400 KB is refused (ValidationException: Item size has exceeded the maximum allowed size) on every attempt.
        var request = api.Enqueue(Event(
            Record("INSERT", """{"S":"first"}""", "200000000000000000001"),
            Record("INSERT", """{"S":"too-large"}""", "200000000000000000002", TooLarge),
            Record("INSERT", """{"S":"third"}""", "200000000000000000003")));

        await using var process = Start(Environment(api, $"{TargetRegion}:{table}"));
        var reply = await process.Within(api.ReplyAsync(request), StepTimeout, "the partial batch response");

        Assert.Equal((ReplyKind.Response, """{"batchItemFailures":[{"itemIdentifier":"200000000000000000002"}]}"""), (reply.Kind, reply.Text));
        Assert.Equal(["first", "third"], (await ItemsAsync(table)).Values.Select(item => item["pk"].AsString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RecordTheTargetRefuses_WithDeadLetterQueue_IsDeadLetteredWhole_AndTheBatchSucceeds()
    {
        var table = await moto.CreateTableAsync(TargetRegion, "lambda", sortKeyType: "N");
        var sqs = moto.Clients.Sqs("us-east-1");
        var queueUrl = (await sqs.CreateQueueAsync(MotoServer.UniqueName("dead-letters"), TestContext.Current.CancellationToken)).QueueUrl;
        await using var api = new RuntimeApiStandIn();
        var request = api.Enqueue(Event(
            Record("INSERT", """{"S":"first"}""", "300000000000000000001"),
            Record("INSERT", """{"S":"too-large"}""", "300000000000000000002", TooLarge)));

        await using var process = Start(Environment(api, $"{TargetRegion}:{table}", ("DEAD_LETTER_QUEUE_URL", queueUrl)));
        var reply = await process.Within(api.ReplyAsync(request), StepTimeout, "the response");

        Assert.Equal((ReplyKind.Response, EmptyResponse), (reply.Kind, reply.Text));
        Assert.Equal("first", Assert.Single((await ItemsAsync(table)).Values)["pk"].AsString());
        var messages = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 }, TestContext.Current.CancellationToken);
        var letter = JsonDocument.Parse(Assert.Single(messages.Messages ?? []).Body).RootElement;
        Assert.Equal("300000000000000000002", letter.GetProperty("sequenceNumber").GetString());
        Assert.Equal($"{TargetRegion}:{table}", letter.GetProperty("target").GetString());
        var record = letter.GetProperty("record").GetProperty("dynamodb");
        Assert.Equal("too-large", record.GetProperty("Keys").GetProperty("pk").GetProperty("S").GetString());
        Assert.Equal(401 * 1024, record.GetProperty("NewImage").GetProperty("payload").GetProperty("S").GetString()!.Length);
    }

    [Fact]
    public async Task Sigterm_WhileWaitingForAnInvocation_ExitsCleanly()
    {
        await using var api = new RuntimeApiStandIn();
        var request = api.Enqueue("""{"Records":[]}""");
        await using var process = Start(Environment(api, $"{TargetRegion}:unused-table"));
        await process.Within(api.ReplyAsync(request), StepTimeout, "the response");
        var waiting = Stopwatch.StartNew();
        while (api.NextRequests < 2 && waiting.Elapsed < StepTimeout)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        await process.TerminateAsync();

        Assert.Equal(0, await process.ExitAsync(StepTimeout));
    }
}
