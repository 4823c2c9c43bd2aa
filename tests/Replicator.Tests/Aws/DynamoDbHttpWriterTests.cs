using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Microsoft.Extensions.Time.Testing;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.Aws.Http;
using Replicator.Model;
using Replicator.Planning;
using Replicator.TestSupport;

namespace Replicator.Tests.Aws;

/// <summary>
/// The JSON-protocol writer against a stand-in for DynamoDB on loopback: what goes on the wire, and
/// how every kind of answer maps to an outcome, as the SDK writer it replaced mapped it.
/// </summary>
public sealed class DynamoDbHttpWriterTests : IAsyncDisposable
{
    private const string Arn = "arn:aws:dynamodb:us-west-2:210987654321:table/users";
    private const string Users = "us-west-2:users";

    private static readonly DateTimeOffset ServerTime = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly ConcurrentQueue<Recorded> _requests = new();
    private readonly LoopbackHttpServer _server;
    private Func<Recorded, (int Status, string Body)> _answer = _ => (200, """{"UnprocessedItems":{}}""");

    public DynamoDbHttpWriterTests() => _server = new LoopbackHttpServer(async context =>
    {
        var body = await LoopbackHttpServer.ReadBodyAsync(context.Request);
        var headers = context.Request.Headers.AllKeys.OfType<string>().ToDictionary(name => name, name => context.Request.Headers[name]!, StringComparer.OrdinalIgnoreCase);
        var request = new Recorded(headers, body);
        _requests.Enqueue(request);
        var (status, answer) = _answer(request);
        await LoopbackHttpServer.RespondAsync(
            context,
            status,
            [new("Content-Type", "application/x-amz-json-1.0"), new("Date", ServerTime.ToString("r", CultureInfo.InvariantCulture))],
            Encoding.UTF8.GetBytes(answer));
    });

    private sealed record Recorded(Dictionary<string, string> Headers, byte[] Body)
    {
        public string Operation => Headers["X-Amz-Target"].Split('.')[^1];

        public JsonNode Json => JsonNode.Parse(Body)!;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    /// <summary>A writer to the stand-in, signing on a clock that reads <paramref name="now"/> (the server's time unless said).</summary>
    private DynamoDbHttpWriter Writer(string target = Users, DateTimeOffset? now = null, AWSCredentials? credentials = null) => new(
        new SignedJsonClient(
            "us-west-2",
            credentials ?? new BasicAWSCredentials("AKIDEXAMPLE", "secret"),
            new Uri(_server.Url + "/"),
            DynamoDbHttpWriter.TargetPrefix,
            "dynamodb",
            new FakeTimeProvider(now ?? ServerTime),
            SignedJsonClient.NewHttpClient(TimeSpan.FromSeconds(10)),
            ownsHttp: true),
        TargetTables.Parse(target));

    private static ItemKey Key(string pk) => new(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String(pk) });

    private static WriteAction Put(string pk, string v = "1") =>
        WriteAction.Copy(Key(pk), new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String(pk), ["v"] = DynamoValue.Number(v) });

    private static WriteAction Delete(string pk) => WriteAction.Remove(Key(pk));

    private static WriteAction RawPut(string pk, byte[] json) => WriteAction.Copy(Key(pk), new RawImage(json));

    private static Refusal Refusal(BatchOutcome outcome) => Assert.IsType<BatchOutcome.Failed>(outcome).Refusal;

    [Theory]
    [InlineData(Arn, Arn)]
    [InlineData(Users, "users")]
    public async Task WriteBatch_IsASignedJsonProtocolCall_NamingTheTableAsGiven(string target, string requestName)
    {
        var outcome = await Writer(target, credentials: new SessionAWSCredentials("AKIDEXAMPLE", "secret", "the-token")).WriteBatchAsync([Put("a"), Delete("b")], Cancellation);

        Assert.Empty(Assert.IsType<BatchOutcome.Written>(outcome).Unprocessed);
        var request = Assert.Single(_requests);
        Assert.Equal("DynamoDB_20120810.BatchWriteItem", request.Headers["X-Amz-Target"]);
        Assert.Equal("application/x-amz-json-1.0", request.Headers["Content-Type"]);
        Assert.Equal("20300101T120000Z", request.Headers["X-Amz-Date"]);
        Assert.Equal("the-token", request.Headers["X-Amz-Security-Token"]);
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20300101/us-west-2/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=", request.Headers["Authorization"], StringComparison.Ordinal);
        var tables = request.Json["RequestItems"]!.AsObject();
        Assert.Equal([requestName], tables.Select(table => table.Key));
        var writes = tables[requestName]!.AsArray();
        Assert.Equal("""{"PutRequest":{"Item":{"pk":{"S":"a"},"v":{"N":"1"}}}}""", writes[0]!.ToJsonString());
        Assert.Equal("""{"DeleteRequest":{"Key":{"pk":{"S":"b"}}}}""", writes[1]!.ToJsonString());
    }

    /// <summary>A stream image goes into the body as the stream sent it: its spacing, escapes and number spelling untouched.</summary>
    [Fact]
    public async Task Writes_RawImage_AppearInTheBodyByteForByte()
    {
        var image = """{ "pk" : {"S":"r\u00fcaw"},"n":{"N":"1E+3"}, "b":{"B":"AAEC"},"m":{"M":{"l":{"L":[{"NULL":true},{"BOOL":false}]}}}}"""u8.ToArray();

        await Writer().WriteBatchAsync([RawPut("ruaw", image), Put("b")], Cancellation);
        await Writer(Arn).WriteOneAsync(RawPut("ruaw", image), Cancellation);

        Assert.Equal(2, _requests.Count);
        Assert.All(_requests, request => Assert.True(request.Body.AsSpan().IndexOf(image) >= 0, Encoding.UTF8.GetString(request.Body)));
        Assert.Equal("PutItem", _requests.Last().Operation);
        Assert.Equal(Arn, (string?)_requests.Last().Json["TableName"]);
    }

    /// <summary>The body's buffer starts at a guess of its size and grows: what was written before it grew is kept.</summary>
    [Fact]
    public async Task Writes_ItemsLargerThanTheFirstGuess_ArriveWhole()
    {
        var large = WriteAction.Copy(Key("large"), new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String("large"), ["blob"] = DynamoValue.String(new string('x', 300_000) + "end") });

        await Writer().WriteOneAsync(large, Cancellation);
        await Writer().WriteBatchAsync([Put("a"), large, Put("b", "2")], Cancellation);

        Assert.Equal(300_003, ((string?)_requests.First().Json["Item"]!["blob"]!["S"])!.Length);
        var writes = _requests.Last().Json["RequestItems"]!["users"]!.AsArray();
        Assert.Equal(["a", "large", "b"], writes.Select(write => (string?)write!["PutRequest"]!["Item"]!["pk"]!["S"]));
        Assert.EndsWith("end", (string?)writes[1]!["PutRequest"]!["Item"]!["blob"]!["S"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteOne_PutsAndDeletesByRequestName_DeletesSendingTheKey()
    {
        var writer = Writer(Arn);

        Assert.IsType<WriteOutcome.Written>(await writer.WriteOneAsync(Put("a"), Cancellation));
        Assert.IsType<WriteOutcome.Written>(await writer.WriteOneAsync(Delete("b"), Cancellation));

        Assert.Equal(["PutItem", "DeleteItem"], _requests.Select(request => request.Operation));
        Assert.Equal("""{"TableName":"arn:aws:dynamodb:us-west-2:210987654321:table/users","Item":{"pk":{"S":"a"},"v":{"N":"1"}}}""", _requests.First().Json.ToJsonString());
        Assert.Equal("""{"TableName":"arn:aws:dynamodb:us-west-2:210987654321:table/users","Key":{"pk":{"S":"b"}}}""", _requests.Last().Json.ToJsonString());
    }

    /// <summary>Whichever way the answer names the one table the request wrote, and however it is spaced, its unprocessed items must not be overlooked.</summary>
    [Theory]
    [InlineData($$$$$"""{"UnprocessedItems":{"{{{{{Arn}}}}}":[{"PutRequest":{"Item":{"pk":{"S":"b"},"v":{"N":"1"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"c"}}}}]}}""")]
    [InlineData("""{"ConsumedCapacity": [], "UnprocessedItems": {"users": [{"PutRequest": {"Item": {"v": {"N": "1"}, "pk": {"S": "b"}}}}, {"DeleteRequest": {"Key": {"pk": {"S": "c"}}}}]}}""")]
    public async Task WriteBatch_UnprocessedItems_AreReturnedAsTheirActions(string answer)
    {
        _answer = _ => (200, answer);
        WriteAction[] actions = [Put("a"), Put("b"), Delete("c")];

        var outcome = await Writer(Arn).WriteBatchAsync(actions, Cancellation);

        Assert.Equal([actions[1], actions[2]], Assert.IsType<BatchOutcome.Written>(outcome).Unprocessed);
    }

    [Theory]
    [InlineData("""{"UnprocessedItems":{"users":[{"PutRequest":{"Item":{"pk":{"S":"zzz"},"v":{"N":"1"}}}}]}}""", "zzz")]
    [InlineData("""{"UnprocessedItems":{"users":[{"PutRequest":{"Item":{"v":{"N":"1"}}}}]}}""", "without the key attributes pk")]
    [InlineData("""{"UnprocessedItems":{"users":[{"UpdateRequest":{}}]}}""", "neither a put nor a delete")]
    [InlineData("""{"UnprocessedItems":{"users":[{"PutRequest":{"Item":{"pk":{"Q":"a"}}}}]}}""", "cannot be read")]
    [InlineData("""{"UnprocessedItems":{"users":[""", "not a BatchWriteItem response")]
    public async Task WriteBatch_AnswerThatCannotBeMapped_IsRetryableWhole_NotACrash(string answer, string said)
    {
        _answer = _ => (200, answer);

        var refusal = Refusal(await Writer().WriteBatchAsync([Put("a"), Put("b")], Cancellation));

        Assert.Equal(TargetErrorKind.Retryable, refusal.Kind);
        Assert.Contains(said, refusal.Message, StringComparison.Ordinal);
        Assert.StartsWith("BatchWriteItem on us-west-2:users", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(400, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", "The level of configured provisioned throughput for the table was exceeded.", TargetErrorKind.Retryable)]
    [InlineData(400, "com.amazonaws.dynamodb.v20120810#ThrottlingException", "Rate exceeded", TargetErrorKind.Retryable)]
    [InlineData(400, "com.amazonaws.dynamodb.v20120810#RequestLimitExceeded", "Throughput exceeds the current throughput limit for your account.", TargetErrorKind.Retryable)]
    [InlineData(400, "com.amazon.coral.service#ExpiredTokenException", "The security token included in the request is expired", TargetErrorKind.Retryable)]
    [InlineData(400, "com.amazon.coral.validate#ValidationException", "The provided key element does not match the schema", TargetErrorKind.Fatal)]
    [InlineData(400, "com.amazon.coral.validate#ValidationException", "One or more parameter values were invalid: Missing the key pk in the item", TargetErrorKind.Fatal)]
    [InlineData(400, "com.amazon.coral.validate#ValidationException", "Item size has exceeded the maximum allowed size", TargetErrorKind.Poison)]
    [InlineData(400, "com.amazonaws.dynamodb.v20120810#ItemCollectionSizeLimitExceededException", "Item collection size limit exceeded", TargetErrorKind.Poison)]
    [InlineData(400, "com.amazon.coral.service#SerializationException", "Start of structure or map found where not expected", TargetErrorKind.Poison)]
    [InlineData(500, "com.amazonaws.dynamodb.v20120810#InternalServerError", "Internal server error", TargetErrorKind.Retryable)]
    [InlineData(503, "", "<html>Service Unavailable</html>", TargetErrorKind.Retryable)]
    [InlineData(400, "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", "Requested resource not found", TargetErrorKind.Fatal)]
    [InlineData(400, "com.amazon.coral.service#AccessDeniedException", "User is not authorized to perform: dynamodb:BatchWriteItem", TargetErrorKind.Fatal)]
    [InlineData(403, "", "Forbidden", TargetErrorKind.Fatal)]
    public async Task Errors_AreClassifiedAsTheSdkWritersAre_NamingTheOperationAndTable(int status, string type, string message, TargetErrorKind kind)
    {
        _answer = _ => (status, type.Length == 0 ? message : $$"""{"__type":"{{type}}","message":"{{message}}"}""");

        var batch = Refusal(await Writer().WriteBatchAsync([Put("a")], Cancellation));
        var one = Assert.IsType<WriteOutcome.Failed>(await Writer().WriteOneAsync(Delete("a"), Cancellation)).Refusal;

        Assert.Equal(kind, batch.Kind);
        Assert.Equal(kind, one.Kind);
        var code = type.Length == 0 ? $"HTTP {status}" : type[(type.IndexOf('#', StringComparison.Ordinal) + 1)..];
        Assert.Equal($"BatchWriteItem on us-west-2:users: {code}: {message}", batch.Message);
        Assert.Equal($"DeleteItem on us-west-2:users: {code}: {message}", one.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    public async Task Writes_A200ThatIsNotAnAnswer_AreRetryable_NotWritten(string body)
    {
        _answer = _ => (200, body);

        Assert.Equal(TargetErrorKind.Retryable, Refusal(await Writer().WriteBatchAsync([Put("a")], Cancellation)).Kind);
        Assert.Equal(TargetErrorKind.Retryable, Assert.IsType<WriteOutcome.Failed>(await Writer().WriteOneAsync(Put("a"), Cancellation)).Refusal.Kind);
    }

    [Fact]
    public async Task WriteOne_ConditionalCheckFailed_IsConditionFailed_NotARefusal()
    {
        _answer = _ => (400, """{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}""");

        var outcome = await Writer().WriteOneAsync(Put("a"), Cancellation);

        var failed = Assert.IsType<WriteOutcome.ConditionFailed>(outcome);
        Assert.Equal("PutItem on us-west-2:users: the condition was not met: The conditional request failed", failed.Message);
    }

    [Fact]
    public async Task Writes_EndpointThatDoesNotAnswer_AreRetryable()
    {
        using var clients = new AwsClients(new BasicAWSCredentials("a", "b"), $"http://127.0.0.1:{LoopbackHttpServer.FreePort()}/", _ => null);
        var writer = clients.Writer(TargetTables.Parse(Users));

        var batch = Refusal(await writer.WriteBatchAsync([Put("a")], Cancellation));
        var one = Assert.IsType<WriteOutcome.Failed>(await writer.WriteOneAsync(Put("a"), Cancellation)).Refusal;

        Assert.Equal(TargetErrorKind.Retryable, batch.Kind);
        Assert.Equal(TargetErrorKind.Retryable, one.Kind);
        Assert.StartsWith("BatchWriteItem on us-west-2:users: ", batch.Message, StringComparison.Ordinal);
    }

    /// <summary>DynamoDB refuses a signature more than 15 minutes off its clock; the writer learns the server's time and the retry is signed with it.</summary>
    [Fact]
    public async Task Write_ClockHoursOff_IsRetryableSayingSo_ThenTheRetryIsSignedWithTheServersTime()
    {
        _answer = request => request.Headers["X-Amz-Date"] == "20300101T120000Z"
            ? (200, """{"UnprocessedItems":{}}""")
            : (400, """{"__type":"com.amazon.coral.service#InvalidSignatureException","message":"Signature expired: 20300101T090000Z is now earlier than 20300101T114500Z (20300101T120000Z - 15 min.)"}""");
        var writer = Writer(now: ServerTime.AddHours(-3));

        var refusal = Refusal(await writer.WriteBatchAsync([Put("a")], Cancellation));
        var retried = await writer.WriteBatchAsync([Put("a")], Cancellation);

        Assert.Equal(TargetErrorKind.Retryable, refusal.Kind);
        Assert.StartsWith("BatchWriteItem on us-west-2:users: InvalidSignatureException: Signature expired", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("requests are now signed with the local clock corrected by 03:00:00", refusal.Message, StringComparison.Ordinal);
        Assert.Empty(Assert.IsType<BatchOutcome.Written>(retried).Unprocessed);
        Assert.Equal(["20300101T090000Z", "20300101T120000Z"], _requests.Select(request => request.Headers["X-Amz-Date"]));
    }

    [Fact]
    public async Task Writes_Cancelled_Throw_RatherThanReportAnOutcome()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var writer = Writer();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.WriteBatchAsync([Put("a")], cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.WriteOneAsync(Put("a"), cancelled.Token));
    }

    /// <summary>The host names the SDK's endpoint rules give for dynamodb.</summary>
    [Theory]
    [InlineData("eu-west-1", "https://dynamodb.eu-west-1.amazonaws.com/")]
    [InlineData("cn-north-1", "https://dynamodb.cn-north-1.amazonaws.com.cn/")]
    [InlineData("us-gov-west-1", "https://dynamodb.us-gov-west-1.amazonaws.com/")]
    public void Writer_KnownRegion_GoesToItsPartitionsHost(string region, string endpoint)
    {
        using var clients = new AwsClients(new BasicAWSCredentials("a", "b"), environment: _ => null);

        Assert.Equal(new Uri(endpoint), Assert.IsType<DynamoDbHttpWriter>(clients.Writer(new TargetTable(region, "users"))).Endpoint);
    }

    [Theory]
    [InlineData("AWS_ENDPOINT_URL_DYNAMODB")]
    [InlineData("AWS_ENDPOINT_URL")]
    public async Task Writer_EndpointOverride_TakesAnyRegion_AndSignsForIt(string variable)
    {
        using var clients = new AwsClients(new BasicAWSCredentials("AKIDEXAMPLE", "secret"), environment: name => name == variable ? _server.Url : null);

        await clients.Writer(new TargetTable("local-1", "users")).WriteBatchAsync([Put("a")], Cancellation);

        Assert.Contains("/local-1/dynamodb/aws4_request", Assert.Single(_requests).Headers["Authorization"], StringComparison.Ordinal);
    }

    [Fact]
    public void Writer_RegionThatDoesNotExist_IsRefusedNamingIt()
    {
        using var clients = new AwsClients(new BasicAWSCredentials("a", "b"), environment: _ => null);

        var refused = Assert.Throws<UnknownRegionException>(() => clients.Writer(new TargetTable("us-east-9", "users")));

        Assert.Equal("us-east-9", refused.Region);
    }

    [Fact]
    public async Task Writers_OfARegion_ShareOneHttpClient_AndAreDisposedWithTheClients()
    {
        var clients = new AwsClients(new BasicAWSCredentials("AKIDEXAMPLE", "secret"), _server.Url, _ => null);
        var first = clients.Writer(new TargetTable("us-west-2", "a"));
        var second = clients.Writer(new TargetTable("us-west-2", "b"));
        Assert.IsType<BatchOutcome.Written>(await first.WriteBatchAsync([Put("a")], Cancellation));

        clients.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => second.WriteBatchAsync([Put("a")], Cancellation));
    }
}
