using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Microsoft.Extensions.Time.Testing;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.Aws.Http;
using Replicator.Aws.MultiActive;
using Replicator.Model;
using Replicator.MultiActive;
using Replicator.TestSupport;

namespace Replicator.Tests.Aws;

/// <summary>
/// Multi-active's JSON-protocol region tables against a stand-in for DynamoDB on loopback: the
/// requests are the SDK implementation's (compared body for body with what the SDK sends), a raw
/// image goes in as its bytes, and every answer maps to the outcome the SDK implementation gives.
/// </summary>
public sealed class DynamoDbHttpRegionTablesTests : IAsyncDisposable
{
    private const string Region = "us-west-2";
    private const string ConditionFailedType = "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException";
    private const string CancelledType = "com.amazonaws.dynamodb.v20120810#TransactionCanceledException";

    private readonly ConcurrentQueue<Recorded> _requests = new();
    private readonly LoopbackHttpServer _server;
    private Func<Recorded, (int Status, string Body)> _answer = _ => (200, "{}");

    public DynamoDbHttpRegionTablesTests() => _server = new LoopbackHttpServer(async context =>
    {
        var request = new Recorded(context.Request.Headers["X-Amz-Target"] ?? "", await LoopbackHttpServer.ReadBodyAsync(context.Request));
        _requests.Enqueue(request);
        var (status, answer) = _answer(request);
        await LoopbackHttpServer.RespondAsync(context, status, [new("Content-Type", "application/x-amz-json-1.0")], Encoding.UTF8.GetBytes(answer));
    });

    private sealed record Recorded(string Target, byte[] Body)
    {
        public string Operation => Target.Split('.')[^1];

        public JsonNode Json => JsonNode.Parse(Body)!;

        public string Text => Encoding.UTF8.GetString(Body);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private DynamoDbHttpRegionTables Tables() => new(new SignedJsonClient(
        Region,
        new BasicAWSCredentials("AKIDEXAMPLE", "secret"),
        new Uri(_server.Url + "/"),
        DynamoDbHttpWriter.TargetPrefix,
        "dynamodb",
        new FakeTimeProvider(DateTimeOffset.UtcNow),
        SignedJsonClient.NewHttpClient(TimeSpan.FromSeconds(10)),
        ownsHttp: true));

    private static DynamoValue S(string text) => DynamoValue.String(text);

    private static ItemKey Key(string pk) => new(new Dictionary<string, DynamoValue> { ["pk"] = S(pk) });

    private static AttributePath P(string attribute, string? field = null) => new(attribute, field);

    private static Dictionary<string, DynamoValue> Item(string pk, string data) => new(StringComparer.Ordinal) { ["pk"] = S(pk), ["data"] = S(data) };

    /// <summary>The metadata's kind of condition: no version yet, or an older one.</summary>
    private static readonly Condition Newer = Condition.Missing(P("_replication", "v")).Or(Condition.Less(P("_replication", "v"), S("20261201T120000Z.000001.us-east-1.x")));

    private static readonly DynamoValue Metadata = DynamoValue.Map(new Dictionary<string, DynamoValue>
    {
        ["v"] = S("20261201T120000Z.000001.us-east-1.x"),
        ["seen"] = DynamoValue.Map(new Dictionary<string, DynamoValue> { ["us-east-1"] = S("x") }),
        ["digest"] = DynamoValue.Binary([1, 2, 3]),
        ["deleted"] = DynamoValue.Bool(false),
        ["n"] = DynamoValue.Number("12.5"),
    });

    /// <summary>Every kind of write and condition the engine makes, alone or in a transaction.</summary>
    public static TheoryData<string> Calls => [.. CallsByName.Keys];

    private static readonly Dictionary<string, Func<IRegionTables, Task>> CallsByName = new(StringComparer.Ordinal)
    {
        ["Put if newer"] = tables => tables.WriteAsync(new TableWrite.Put("users", Key("a"), new Dictionary<string, DynamoValue>(Item("a", "x")) { ["_replication"] = Metadata }, Newer), Cancellation),
        ["Put if absent"] = tables => tables.WriteAsync(new TableWrite.Put("users", Key("a"), Item("a", "x"), Condition.Missing(P("pk"))), Cancellation),
        ["Put without condition"] = tables => tables.WriteAsync(new TableWrite.Put("users", Key("a"), Item("a", "x"), null), Cancellation),
        ["Set if the version held"] = tables => tables.WriteAsync(new TableWrite.Set("users", Key("a"), "_replication", Metadata, Condition.Exists(P("pk")).And(Condition.Equal(P("_replication", "v"), S("v1")))), Cancellation),
        ["Set without condition"] = tables => tables.WriteAsync(new TableWrite.Set("users", Key("a"), "size", S("x"), null), Cancellation),
        ["Delete if the version held"] = tables => tables.WriteAsync(new TableWrite.Delete("users", Key("a"), Condition.LessOrEqual(P("_replication", "v"), S("v1"))), Cancellation),
        ["Delete without condition"] = tables => tables.WriteAsync(new TableWrite.Delete("users", Key("a"), null), Cancellation),
        ["Transaction of every kind"] = tables => tables.TransactAsync(
        [
            new TableWrite.Check("users-replicator-tombstones", new ItemKey(new Dictionary<string, DynamoValue> { ["key"] = S("a") }), Condition.Missing(P("key"))),
            new TableWrite.Put("users", Key("a"), Item("a", "x"), Newer),
            new TableWrite.Delete("users", Key("b"), Condition.Exists(P("pk"))),
            new TableWrite.Set("users", Key("c"), "_replication", Metadata, null),
        ], Cancellation),
        ["Read"] = tables => tables.ReadAsync("users", [Key("a"), Key("b"), Key("a")], Cancellation),
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task Request_IsTheSdkImplementations_OperationAndBody(string call)
    {
        using var clients = new AwsClients(new BasicAWSCredentials("AKIDEXAMPLE", "secret"), _server.Url, _ => null);
        await CallsByName[call](new DynamoDbRegionTables(clients.DynamoDb(Region), Region));
        await CallsByName[call](Tables());

        var (sdk, ours) = (_requests.First(), _requests.Last());
        Assert.Equal(2, _requests.Count);
        Assert.Equal(sdk.Target, ours.Target);

        // The SDK gives every TransactWriteItems a new idempotency token, reused only by its own
        // retries, which are off: a token no other request carries does nothing, so none is sent.
        var sent = sdk.Json.AsObject();
        Assert.Equal(ours.Operation == "TransactWriteItems", sent.Remove("ClientRequestToken"));
        Assert.True(JsonNode.DeepEquals(sent, ours.Json), $"the SDK sent {sdk.Text}\nthis sent {ours.Text}");
    }

    [Fact]
    public async Task Put_WithACondition_SendsItsExpression_NamesAndValuesAsDynamoDbJson()
    {
        await Tables().WriteAsync(new TableWrite.Put("users", Key("a"), Item("a", "x"), Newer), Cancellation);

        var request = Assert.Single(_requests);
        Assert.Equal("DynamoDB_20120810.PutItem", request.Target);
        Assert.Equal(
            """{"TableName":"users","Item":{"pk":{"S":"a"},"data":{"S":"x"}},"ConditionExpression":"(attribute_not_exists(#n0.#n1) OR (attribute_type(#n0.#n1, :v0) AND #n0.#n1 < :v1))","ExpressionAttributeNames":{"#n0":"_replication","#n1":"v"},"ExpressionAttributeValues":{":v0":{"S":"S"},":v1":{"S":"20261201T120000Z.000001.us-east-1.x"}},"ReturnValuesOnConditionCheckFailure":"ALL_OLD"}""",
            request.Text);
    }

    [Fact]
    public async Task Set_SendsItsUpdateBeforeItsCondition_AndAsksForTheItemAfter()
    {
        await Tables().WriteAsync(new TableWrite.Set("users", Key("a"), "m", S("x"), Condition.Exists(P("pk"))), Cancellation);

        Assert.Equal(
            """{"TableName":"users","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET #n0 = :v0","ConditionExpression":"attribute_exists(#n1)","ExpressionAttributeNames":{"#n0":"m","#n1":"pk"},"ExpressionAttributeValues":{":v0":{"S":"x"}},"ReturnValues":"ALL_NEW","ReturnValuesOnConditionCheckFailure":"ALL_OLD"}""",
            Assert.Single(_requests).Text);
    }

    /// <summary>A stream image goes into the body as the stream sent it: its spacing, escapes and number spelling untouched.</summary>
    [Fact]
    public async Task Put_OfARawImage_AloneAndInATransaction_SendsItsBytesAsTheyAre()
    {
        var image = """{ "pk" : {"S":"r\u00fcaw"},"n":{"N":"1E+3"}, "b":{"B":"AAEC"},"m":{"M":{"l":{"L":[{"NULL":true},{"BOOL":false}]}}}}"""u8.ToArray();
        var put = new TableWrite.Put("users", Key("rüaw"), new RawImage(image), Condition.Missing(P("pk")));

        await Tables().WriteAsync(put, Cancellation);
        await Tables().TransactAsync([put, new TableWrite.Delete("users", Key("b"), null)], Cancellation);

        Assert.Equal(["PutItem", "TransactWriteItems"], _requests.Select(request => request.Operation));
        Assert.All(_requests, request => Assert.True(request.Body.AsSpan().IndexOf(image) >= 0, request.Text));
    }

    [Fact]
    public async Task Set_Written_AnswersTheItemAfter_FromTheAnswersAttributes()
    {
        _answer = _ => (200, """{"Attributes":{"pk":{"S":"a"},"m":{"M":{"v":{"S":"v2"}}},"n":{"N":"7"}}}""");

        var outcome = await Tables().WriteAsync(new TableWrite.Set("users", Key("a"), "m", S("x"), null), Cancellation);

        var after = Assert.IsType<TableWriteOutcome.Written>(outcome).After;
        Assert.NotNull(after);
        Assert.Equal(S("v2"), after["m"].AsMap()["v"]);
        Assert.Equal(DynamoValue.Number("7"), after["n"]);
        Assert.Equal(3, after.Count);
    }

    [Theory]
    [InlineData("""{"Item":{"pk":{"S":"a"},"data":{"S":"held"}},"__type":"TYPE","message":"The conditional request failed"}""", "held")]
    [InlineData("""{"__type":"TYPE","message":"The conditional request failed"}""", null)]
    [InlineData("""{"__type":"TYPE","message":"The conditional request failed","Item":{}}""", null)]
    public async Task Write_ConditionalCheckFailed_AnswersTheItemAsItStands_OrNone(string body, string? held)
    {
        _answer = _ => (400, body.Replace("TYPE", ConditionFailedType, StringComparison.Ordinal));

        TableWrite[] writes =
        [
            new TableWrite.Put("users", Key("a"), Item("a", "x"), Condition.Missing(P("pk"))),
            new TableWrite.Set("users", Key("a"), "m", S("x"), Condition.Exists(P("m"))),
            new TableWrite.Delete("users", Key("a"), Condition.Exists(P("m"))),
        ];
        foreach (var write in writes)
        {
            var current = Assert.IsType<TableWriteOutcome.ConditionFailed>(await Tables().WriteAsync(write, Cancellation)).Current;
            Assert.Equal(held, current?["data"].AsString());
        }
    }

    [Fact]
    public async Task Transact_CancelledForConditions_NamesTheWritesThatFailedThem()
    {
        _answer = _ => (400, $$$$"""{"__type":"{{{{CancelledType}}}}","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, ConditionalCheckFailed]","CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed","Message":"The conditional request failed","Item":{"pk":{"S":"b"}}},{"Message":"x","Code":"ConditionalCheckFailed"}]}""");

        var outcome = await Tables().TransactAsync([new TableWrite.Delete("users", Key("a"), null), new TableWrite.Delete("users", Key("b"), Condition.Missing(P("pk"))), new TableWrite.Check("other", Key("c"), Condition.Missing(P("pk")))], Cancellation);

        Assert.Equal([1, 2], Assert.IsType<TransactionOutcome.Cancelled>(outcome).FailedConditions);
    }

    [Theory]
    [InlineData("""[{"Code":"ConditionalCheckFailed"},{"Code":"TransactionConflict"}]""", TargetErrorKind.Retryable)]
    [InlineData("""[{"Code":"None"},{"Code":"ThrottlingError"}]""", TargetErrorKind.Retryable)]
    [InlineData("""[{"Code":"None"},{"Code":"ValidationError","Message":"Transaction request cannot include multiple operations on one item"}]""", TargetErrorKind.Poison)]
    [InlineData("""[{"Code":"ResourceNotFoundException"}]""", TargetErrorKind.Fatal)]
    [InlineData("""[]""", TargetErrorKind.Retryable)]
    [InlineData("""[{},{"Code":"None"}]""", TargetErrorKind.Retryable)]
    public async Task Transact_CancelledForOtherReasons_IsRefused_AsTransactionCancellationSays(string reasons, TargetErrorKind kind)
    {
        _answer = _ => (400, $$"""{"__type":"{{CancelledType}}","Message":"Transaction cancelled","CancellationReasons":{{reasons}}}""");

        var outcome = await Tables().TransactAsync([new TableWrite.Delete("users", Key("a"), null), new TableWrite.Delete("users", Key("b"), null)], Cancellation);

        var refusal = Assert.IsType<TransactionOutcome.Failed>(outcome).Refusal;
        Assert.Equal(kind, refusal.Kind);
        Assert.StartsWith("TransactWriteItems on us-west-2:users: cancelled (", refusal.Message, StringComparison.Ordinal);
        Assert.EndsWith("): Transaction cancelled", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(400, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", "The level of configured provisioned throughput for the table was exceeded.", TargetErrorKind.Retryable)]
    [InlineData(400, "com.amazonaws.dynamodb.v20120810#TransactionConflictException", "Transaction is ongoing for the item", TargetErrorKind.Retryable)]
    [InlineData(400, "com.amazon.coral.validate#ValidationException", "Item size has exceeded the maximum allowed size", TargetErrorKind.Poison)]
    [InlineData(400, "com.amazon.coral.validate#ValidationException", "The provided key element does not match the schema", TargetErrorKind.Fatal)]
    [InlineData(400, "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", "Requested resource not found", TargetErrorKind.Fatal)]
    [InlineData(500, "com.amazonaws.dynamodb.v20120810#InternalServerError", "Internal server error", TargetErrorKind.Retryable)]
    [InlineData(503, "", "<html>Service Unavailable</html>", TargetErrorKind.Retryable)]
    [InlineData(403, "", "Forbidden", TargetErrorKind.Fatal)]
    public async Task Errors_AreClassifiedAsTheSdkImplementationsAre_NamingTheOperationAndTable(int status, string type, string message, TargetErrorKind kind)
    {
        _answer = _ => (status, type.Length == 0 ? message : $$"""{"__type":"{{type}}","message":"{{message}}"}""");
        var tables = Tables();

        Refusal[] refusals =
        [
            Assert.IsType<TableWriteOutcome.Failed>(await tables.WriteAsync(new TableWrite.Put("users", Key("a"), Item("a", "x"), null), Cancellation)).Refusal,
            Assert.IsType<TableWriteOutcome.Failed>(await tables.WriteAsync(new TableWrite.Set("users", Key("a"), "m", S("x"), null), Cancellation)).Refusal,
            Assert.IsType<TableWriteOutcome.Failed>(await tables.WriteAsync(new TableWrite.Delete("users", Key("a"), null), Cancellation)).Refusal,
            Assert.IsType<TransactionOutcome.Failed>(await tables.TransactAsync([new TableWrite.Check("users", Key("a"), Condition.Exists(P("pk"))), new TableWrite.Delete("tombstones", Key("a"), null)], Cancellation)).Refusal,
            Assert.IsType<TableReadOutcome.Failed>(await tables.ReadAsync("users", [Key("a")], Cancellation)).Refusal,
        ];

        var code = type.Length == 0 ? $"HTTP {status}" : type[(type.IndexOf('#', StringComparison.Ordinal) + 1)..];
        Assert.All(refusals, refusal => Assert.Equal(kind, refusal.Kind));
        Assert.Equal(
            ["PutItem on us-west-2:users", "UpdateItem on us-west-2:users", "DeleteItem on us-west-2:users", "TransactWriteItems on us-west-2:users,tombstones", "BatchGetItem on us-west-2:users"],
            refusals.Select(refusal => refusal.Message.Replace($": {code}: {message}", "", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("""{"Attributes":{"pk":{"Q":"a"}}}""")]
    [InlineData("""{"Attributes":{"pk":""")]
    [InlineData("""not json""")]
    public async Task Set_AnswerThatCannotBeRead_IsRetryable_NotACrash(string answer)
    {
        _answer = _ => (200, answer);

        var refusal = Assert.IsType<TableWriteOutcome.Failed>(await Tables().WriteAsync(new TableWrite.Set("users", Key("a"), "m", S("x"), null), Cancellation)).Refusal;

        Assert.Equal(TargetErrorKind.Retryable, refusal.Kind);
        Assert.StartsWith("UpdateItem on us-west-2:users: the answer cannot be read", refusal.Message, StringComparison.Ordinal);
    }

    /// <summary>Every DynamoDB answer is a JSON object; a 200 without one (an empty body from a proxy that dropped the answer) does not say the write was made.</summary>
    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{")]
    public async Task Writes_OkWithoutAnAnswer_AreRetryable_NotWritten(string answer)
    {
        _answer = _ => (200, answer);
        var tables = Tables();

        Refusal[] refusals =
        [
            Assert.IsType<TableWriteOutcome.Failed>(await tables.WriteAsync(new TableWrite.Put("users", Key("a"), Item("a", "x"), null), Cancellation)).Refusal,
            Assert.IsType<TableWriteOutcome.Failed>(await tables.WriteAsync(new TableWrite.Set("users", Key("a"), "m", S("x"), null), Cancellation)).Refusal,
            Assert.IsType<TableWriteOutcome.Failed>(await tables.WriteAsync(new TableWrite.Delete("users", Key("a"), null), Cancellation)).Refusal,
            Assert.IsType<TransactionOutcome.Failed>(await tables.TransactAsync([new TableWrite.Delete("users", Key("a"), null)], Cancellation)).Refusal,
            Assert.IsType<TableReadOutcome.Failed>(await tables.ReadAsync("users", [Key("a")], Cancellation)).Refusal,
        ];

        Assert.All(refusals, refusal => Assert.Equal(TargetErrorKind.Retryable, refusal.Kind));
        Assert.All(refusals, refusal => Assert.Contains(": the answer cannot be read (", refusal.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Read_IsConsistent_InChunksOfTheServiceLimit_AsksAgainForUnprocessedKeys_AndMapsItemsByKey()
    {
        var keys = Enumerable.Range(0, ReplicationOptions.MaxBatchGetKeys + 5).Select(i => Key($"k{i}")).ToList();

        // Each answer finds the first key asked, has no item for the second, and leaves the rest unprocessed.
        _answer = request =>
        {
            var asked = request.Json["RequestItems"]!["users"]!["Keys"]!.AsArray().Select(key => (string)key!["pk"]!["S"]!).ToList();
            var left = string.Join(",", asked.Skip(2).Select(pk => $$$$"""{"pk":{"S":"{{{{pk}}}}"}}"""));
            return (200, $$$$"""{"Responses":{"users":[{"data":{"N":"1"},"pk":{"S":"{{{{asked[0]}}}}"}}]},"UnprocessedKeys":{"users":{"Keys":[{{{{left}}}}],"ConsistentRead":true}}}""");
        };

        var read = Assert.IsType<TableReadOutcome.Read>(await Tables().ReadAsync("users", keys, Cancellation));

        var asked = _requests.Select(request => request.Json["RequestItems"]!["users"]!).ToList();
        Assert.All(asked, request => Assert.Equal(true, (bool?)request["ConsistentRead"]));
        Assert.Equal(ReplicationOptions.MaxBatchGetKeys, asked.Max(request => request["Keys"]!.AsArray().Count));
        Assert.Equal(50 + 3, asked.Count);
        Assert.Equal(keys.Where((_, i) => i % 2 == 0).ToHashSet(), read.Items.Keys.ToHashSet());
        Assert.All(read.Items, pair => Assert.Equal(pair.Key.Attributes["pk"], pair.Value["pk"]));
    }

    [Fact]
    public async Task Read_UnprocessedKeys_AreAskedAgainAsTheServiceSentThem()
    {
        _answer = request => _requests.Count == 1
            ? (200, """{"Responses":{"users":[]},"UnprocessedKeys":{"users":{"Keys":[{ "pk" : {"S":"b\u00e9"} }],"ConsistentRead":true}}}""")
            : (200, """{"Responses":{"users":[{"pk":{"S":"bé"}}]},"UnprocessedKeys":{}}""");

        var read = Assert.IsType<TableReadOutcome.Read>(await Tables().ReadAsync("users", [Key("a"), Key("bé")], Cancellation));

        Assert.Equal([Key("bé")], read.Items.Keys);
        Assert.Contains("""{"Keys":[{ "pk" : {"S":"b\u00e9"} }],"ConsistentRead":true}""", _requests.Last().Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_WithEveryKeyLeftUnprocessed_IsRetryable_InsteadOfAskingForever()
    {
        _answer = _ => (200, """{"Responses":{},"UnprocessedKeys":{"users":{"Keys":[{"pk":{"S":"a"}}]}}}""");

        var refusal = Assert.IsType<TableReadOutcome.Failed>(await Tables().ReadAsync("users", [Key("a")], Cancellation)).Refusal;

        Assert.Equal(TargetErrorKind.Retryable, refusal.Kind);
        Assert.Equal("BatchGetItem on us-west-2:users: the service left all 1 key(s) unprocessed", refusal.Message);
        Assert.Single(_requests);
    }

    [Theory]
    [InlineData("""{"Responses":{"users":[{"data":{"S":"x"}}]}}""", "without the key attributes pk")]
    [InlineData("""{"Responses":{"users":[{"pk":{"S":"a"},"data":{"Q":"x"}}]}}""", "cannot be read")]
    [InlineData("""{"Responses":{"users":{}}}""", "cannot be read")]
    public async Task Read_AnswerThatCannotBeRead_IsRetryable_NotACrash(string answer, string said)
    {
        _answer = _ => (200, answer);

        var refusal = Assert.IsType<TableReadOutcome.Failed>(await Tables().ReadAsync("users", [Key("a")], Cancellation)).Refusal;

        Assert.Equal(TargetErrorKind.Retryable, refusal.Kind);
        Assert.Contains(said, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_OfACheckAlone_OrAnOrderingOfANonString_IsAnArgumentError_AndSendsNothing()
    {
        var tables = Tables();

        await Assert.ThrowsAsync<ArgumentException>(() => tables.WriteAsync(new TableWrite.Check("users", Key("a"), Condition.Exists(P("pk"))), Cancellation));
        await Assert.ThrowsAsync<ArgumentException>(() => tables.WriteAsync(new TableWrite.Put("users", Key("a"), Item("a", "x"), Condition.Less(P("n"), DynamoValue.Number("4"))), Cancellation));
        await Assert.ThrowsAsync<ArgumentException>(() => tables.TransactAsync([new TableWrite.Check("users", Key("a"), Condition.LessOrEqual(P("n"), DynamoValue.Number("4")))], Cancellation));

        Assert.Empty(_requests);
    }

    [Fact]
    public async Task Calls_Cancelled_Throw_RatherThanReportAnOutcome()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var tables = Tables();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => tables.WriteAsync(new TableWrite.Delete("users", Key("a"), null), cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => tables.TransactAsync([new TableWrite.Delete("users", Key("a"), null)], cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => tables.ReadAsync("users", [Key("a")], cancelled.Token));
    }

    [Fact]
    public async Task RegionTables_OfAClientsRegion_GoToItsEndpoint_SignedForTheRegion()
    {
        using var clients = new AwsClients(new BasicAWSCredentials("AKIDEXAMPLE", "secret"), _server.Url, _ => null);
        var tables = clients.RegionTables("local-1");

        Assert.IsType<TableWriteOutcome.Written>(await tables.WriteAsync(new TableWrite.Delete("users", Key("a"), null), Cancellation));

        Assert.Equal("local-1", tables.Region);
        Assert.Equal("DeleteItem", Assert.Single(_requests).Operation);
    }
}
