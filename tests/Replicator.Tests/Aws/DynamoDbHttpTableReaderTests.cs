using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Microsoft.Extensions.Time.Testing;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.Aws.Http;
using Replicator.Aws.Verification;
using Replicator.Model;
using Replicator.TestSupport;
using Replicator.Verification;

namespace Replicator.Tests.Aws;

/// <summary>
/// The JSON-protocol scan against a stand-in for DynamoDB on loopback: it asks what the SDK reader
/// asks, keeps plain items as the answer's bytes, reads the rest into values, and maps errors as
/// the SDK reader maps them.
/// </summary>
public sealed class DynamoDbHttpTableReaderTests : IAsyncDisposable
{
    private const string Arn = "arn:aws:dynamodb:us-west-2:210987654321:table/users";

    private readonly ConcurrentQueue<(string Target, byte[] Body)> _requests = new();
    private readonly LoopbackHttpServer _server;
    private readonly AmazonDynamoDBClient _sdk;
    private Func<(int Status, string Body)> _answer = () => (200, """{"Items":[],"Count":0,"ScannedCount":0}""");

    public DynamoDbHttpTableReaderTests()
    {
        _server = new LoopbackHttpServer(async context =>
        {
            _requests.Enqueue((context.Request.Headers["X-Amz-Target"]!, await LoopbackHttpServer.ReadBodyAsync(context.Request)));
            var (status, answer) = _answer();
            await LoopbackHttpServer.RespondAsync(context, status, [new("Content-Type", "application/x-amz-json-1.0")], Encoding.UTF8.GetBytes(answer));
        });
        _sdk = new AmazonDynamoDBClient(
            new BasicAWSCredentials("AKIDEXAMPLE", "secret"),
            new AmazonDynamoDBConfig { ServiceURL = _server.Url + "/", AuthenticationRegion = "us-west-2", MaxErrorRetry = 0 });
    }

    public async ValueTask DisposeAsync()
    {
        _sdk.Dispose();
        await _server.DisposeAsync();
    }

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private DynamoDbHttpTableReader Reader(string table = "us-west-2:users") => new(
        new SignedJsonClient(
            "us-west-2",
            new BasicAWSCredentials("AKIDEXAMPLE", "secret"),
            new Uri(_server.Url + "/"),
            DynamoDbHttpWriter.TargetPrefix,
            "dynamodb",
            new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(60)),
            SignedJsonClient.NewHttpClient(TimeSpan.FromSeconds(10)),
            ownsHttp: true),
        new DynamoDbTableReader(_sdk, TargetTables.Parse(table)));

    private DynamoDbTableReader SdkReader() => new(_sdk, TargetTables.Parse("us-west-2:users"));

    private static readonly Dictionary<string, DynamoValue> StartKey = new(StringComparer.Ordinal) { ["pk"] = DynamoValue.String("a"), ["sk"] = DynamoValue.Number("7") };

    [Fact]
    public async Task Scan_AsksWhatTheSdkReaderAsks_ConsistentSegmentStartKeyAndProjectionThroughPlaceholders()
    {
        await SdkReader().ScanAsync(2, 5, StartKey, ["pk", "name"], Cancellation);
        await Reader().ScanAsync(2, 5, StartKey, ["pk", "name"], Cancellation);

        var requests = _requests.ToArray();
        Assert.All(requests, request => Assert.Equal("DynamoDB_20120810.Scan", request.Target));
        var sdk = JsonNode.Parse(requests[0].Body)!;
        var ours = JsonNode.Parse(requests[1].Body)!;
        Assert.True(JsonNode.DeepEquals(sdk, ours), $"SDK: {sdk.ToJsonString()}\nours: {ours.ToJsonString()}");
        Assert.Equal("""{"TableName":"users","Segment":2,"TotalSegments":5,"ConsistentRead":true,"ExclusiveStartKey":{"pk":{"S":"a"},"sk":{"N":"7"}},"ProjectionExpression":"#k0, #k1","ExpressionAttributeNames":{"#k0":"pk","#k1":"name"}}""", ours.ToJsonString());
    }

    [Fact]
    public async Task Scan_FirstPageWithoutProjection_NamesTheTableByItsArn_AndLeavesOutStartKeyAndProjection()
    {
        await Reader(Arn).ScanAsync(0, 1, null, null, Cancellation);

        Assert.Equal($$"""{"TableName":"{{Arn}}","Segment":0,"TotalSegments":1,"ConsistentRead":true}""", Encoding.UTF8.GetString(Assert.Single(_requests).Body));
    }

    /// <summary>A plain item is kept as its slice of the answer: spacing, escapes and number spelling untouched; its key is read without reading the item.</summary>
    [Fact]
    public async Task Scan_PlainItems_ComeBackAsRawImagesOfTheAnswersBytes()
    {
        const string first = """{ "pk" : {"S":"r\u00fcaw"},"n":{"N":"1E+3"}, "b":{"B":"AAEC"},"m":{"M":{"l":{"L":[{"NULL":true},{"BOOL":false}]}}}}""";
        const string second = """{"pk":{"S":"b"},"ss":{"SS":["x","y"]}}""";
        _answer = () => (200, """{"Items":[""" + first + ", " + second + """],"Count":2,"ScannedCount":2,"LastEvaluatedKey":{"pk":{"S":"b"}}}""");

        var page = await Reader().ScanAsync(0, 1, null, null, Cancellation);

        Assert.Equal(2, page.Items.Count);
        var raw = Assert.IsType<RawImage>(page.Items[0]);
        Assert.True(raw.NamesUnique);
        Assert.Equal(first, Encoding.UTF8.GetString(raw.Json.Span));
        Assert.Equal(second, Encoding.UTF8.GetString(Assert.IsType<RawImage>(page.Items[1]).Json.Span));
        Assert.Equal(DynamoValue.String("rüaw"), raw["pk"]);
        Assert.Equal(DynamoValue.String("b"), Assert.Single(page.LastEvaluatedKey!).Value);
    }

    /// <summary>An item the check is unsure of (an attribute named twice here) is read into values, the last of the two counting, as the full reader does.</summary>
    [Fact]
    public async Task Scan_ItemThatIsNotPlain_ComesBackAsValues()
    {
        _answer = () => (200, """{"Items":[{"pk":{"S":"a"},"v":{"N":"1"},"v":{"N":"2"}},{"pk":{"S":"b"}}],"Count":2}""");

        var page = await Reader().ScanAsync(0, 1, null, null, Cancellation);

        Assert.IsNotType<RawImage>(page.Items[0]);
        Assert.Equal(DynamoValue.Number("2"), page.Items[0]["v"]);
        Assert.IsType<RawImage>(page.Items[1]);
        Assert.Null(page.LastEvaluatedKey);
    }

    [Theory]
    [InlineData("""{"Items":[{"pk":{"X":"a"}}]}""")]
    [InlineData("""{"Items":[{"pk":{"S":"a"}}""")]
    [InlineData("""[]""")]
    [InlineData("")]
    public async Task Scan_AnswerThatIsNotAScanAnswer_IsARetryableReadError(string answer)
    {
        _answer = () => (200, answer);

        var error = await Assert.ThrowsAsync<TableReadException>(() => Reader().ScanAsync(0, 1, null, null, Cancellation));

        Assert.True(error.Retryable, error.Message);
        Assert.Contains("Scan on us-west-2:users", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(400, "ResourceNotFoundException", false)]
    [InlineData(400, "ProvisionedThroughputExceededException", true)]
    [InlineData(400, "ThrottlingException", true)]
    [InlineData(400, "AccessDeniedException", false)]
    [InlineData(400, "ValidationException", false)]
    [InlineData(500, "InternalServerError", true)]
    [InlineData(503, "ServiceUnavailable", true)]
    public async Task Scan_Errors_MapAsTheSdkReaderMapsThem(int status, string code, bool retryable)
    {
        _answer = () => (status, $$"""{"__type":"com.amazonaws.dynamodb.v20120810#{{code}}","message":"the service says no"}""");

        var sdk = await Assert.ThrowsAsync<TableReadException>(() => SdkReader().ScanAsync(0, 1, null, null, Cancellation));
        var ours = await Assert.ThrowsAsync<TableReadException>(() => Reader().ScanAsync(0, 1, null, null, Cancellation));

        Assert.Equal(retryable, sdk.Retryable);
        Assert.Equal(sdk.Retryable, ours.Retryable);
        Assert.StartsWith("Scan on us-west-2:users", ours.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_Unreachable_IsRetryable()
    {
        var port = LoopbackHttpServer.FreePort();
        var reader = new DynamoDbHttpTableReader(
            new SignedJsonClient("us-west-2", new BasicAWSCredentials("a", "b"), new Uri($"http://127.0.0.1:{port}/"), DynamoDbHttpWriter.TargetPrefix, "dynamodb", TimeProvider.System, SignedJsonClient.NewHttpClient(TimeSpan.FromSeconds(5)), ownsHttp: true),
            SdkReader());

        var error = await Assert.ThrowsAsync<TableReadException>(() => reader.ScanAsync(0, 1, null, null, Cancellation));

        Assert.True(error.Retryable, error.Message);
    }

    [Fact]
    public async Task Describe_GoesThroughTheSdkReader()
    {
        _answer = () => (200, """{"Table":{"TableName":"users","ItemCount":3,"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}]}}""");

        var shape = await Reader().DescribeAsync(Cancellation);

        Assert.Equal(3, shape!.ApproximateItemCount);
        Assert.Equal("DynamoDB_20120810.DescribeTable", Assert.Single(_requests).Target);
    }

    /// <summary>What a backfill does with a page: the key of a raw item, found without reading the item's values, and the item written as its bytes.</summary>
    [Fact]
    public async Task Scan_RawItem_KeyOfReadsTheKey()
    {
        _answer = () => (200, """{"Items":[{"pk":{"S":"a"},"big":{"S":"x"}}]}""");
        var shape = new TableShape([new KeyAttribute("pk", "S", true)], 1);

        var page = await Reader().ScanAsync(0, 1, null, null, Cancellation);

        Assert.Equal(new ItemKey(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String("a") }), shape.KeyOf(page.Items[0]));
    }
}
