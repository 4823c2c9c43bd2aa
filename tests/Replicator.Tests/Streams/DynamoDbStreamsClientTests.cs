using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Replicator.Aws.Streams;
using Replicator.Streams;
using Replicator.TestSupport;

namespace Replicator.Tests.Streams;

/// <summary>The Streams client at the HTTP level, against a stand-in that answers like the service (paging, error bodies).</summary>
public sealed class DynamoDbStreamsClientTests : IAsyncDisposable
{
    private readonly ConcurrentQueue<(string Target, Dictionary<string, string> Headers, JsonElement Body)> _requests = new();
    private readonly LoopbackHttpServer _server;
    private Func<string, JsonElement, (int Status, string Body)> _answer = (_, _) => (200, "{}");

    public DynamoDbStreamsClientTests() => _server = new LoopbackHttpServer(async context =>
    {
        var body = JsonDocument.Parse(await LoopbackHttpServer.ReadBodyAsync(context.Request)).RootElement.Clone();
        var headers = context.Request.Headers.AllKeys.OfType<string>().ToDictionary(name => name, name => context.Request.Headers[name]!, StringComparer.OrdinalIgnoreCase);
        var target = headers.GetValueOrDefault("X-Amz-Target", "");
        _requests.Enqueue((target, headers, body));
        var (status, answer) = _answer(target, body);
        await LoopbackHttpServer.RespondAsync(context, status, [new("Content-Type", "application/x-amz-json-1.0")], Encoding.UTF8.GetBytes(answer));
    });

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private DynamoDbStreamsClient Client(AWSCredentials? credentials = null) =>
        new("eu-west-1", credentials ?? new BasicAWSCredentials("AKIDEXAMPLE", "secret"), new Uri(_server.Url + "/"));

    [Fact]
    public async Task DescribeStream_ReadsEveryPageOfShards()
    {
        _answer = (_, body) => body.TryGetProperty("ExclusiveStartShardId", out var start)
            ? (200, """{"StreamDescription":{"StreamArn":"arn:s","TableName":"t","StreamStatus":"ENABLED","StreamViewType":"NEW_AND_OLD_IMAGES","Shards":[{"ShardId":"b","ParentShardId":"a","SequenceNumberRange":{"StartingSequenceNumber":"300"}}]}}""")
            : (200, """{"StreamDescription":{"StreamArn":"arn:s","TableName":"t","StreamStatus":"ENABLED","StreamViewType":"NEW_AND_OLD_IMAGES","Shards":[{"ShardId":"a","SequenceNumberRange":{"StartingSequenceNumber":"100","EndingSequenceNumber":"200"}}],"LastEvaluatedShardId":"a"}}""");

        var description = await Client().DescribeStreamAsync("arn:s", TestContext.Current.CancellationToken);

        Assert.Equal(["a", "b"], description.Shards.Select(s => s.ShardId));
        Assert.True(description.Shards[0].IsClosed);
        Assert.Equal("a", description.Shards[1].ParentShardId);
        Assert.Equal("a", _requests.Last().Body.GetProperty("ExclusiveStartShardId").GetString());
    }

    [Fact]
    public async Task Requests_AreSignedJsonProtocolCalls()
    {
        _answer = (_, _) => (200, """{"ShardIterator":"it-1"}""");

        await Client(new SessionAWSCredentials("AKIDEXAMPLE", "secret", "the-token")).GetShardIteratorAsync("arn:s", "shard-1", ShardIteratorType.AfterSequenceNumber, "123", TestContext.Current.CancellationToken);

        var (target, headers, body) = Assert.Single(_requests);
        Assert.Equal("DynamoDBStreams_20120810.GetShardIterator", target);
        Assert.Equal("application/x-amz-json-1.0", headers["Content-Type"]);
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", headers["Authorization"], StringComparison.Ordinal);
        Assert.Contains("/eu-west-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=", headers["Authorization"], StringComparison.Ordinal);
        Assert.Equal("the-token", headers["X-Amz-Security-Token"]);
        Assert.Equal("AFTER_SEQUENCE_NUMBER", body.GetProperty("ShardIteratorType").GetString());
        Assert.Equal("123", body.GetProperty("SequenceNumber").GetString());
    }

    [Fact]
    public async Task GetRecords_ParsesTheRecordsAndTheNextIterator()
    {
        _answer = (_, _) => (200, """{"NextShardIterator":"it-2","Records":[{"eventID":"1","eventName":"REMOVE","userIdentity":{"PrincipalId":"dynamodb.amazonaws.com","Type":"Service"},"dynamodb":{"Keys":{"pk":{"S":"a"}},"SequenceNumber":"500","SizeBytes":10,"StreamViewType":"NEW_AND_OLD_IMAGES"}}]}""");

        var page = await Client().GetRecordsAsync("it-1", TestContext.Current.CancellationToken);

        Assert.Equal("it-2", page.NextShardIterator);
        Assert.Equal("500", Assert.Single(page.Batch.Records).SequenceNumber.Value);
        Assert.Equal(1000, _requests.Single().Body.GetProperty("Limit").GetInt32());
    }

    [Theory]
    [InlineData(400, "com.amazonaws.dynamodb.v20120810#ExpiredIteratorException", StreamsErrorKind.ExpiredIterator)]
    [InlineData(400, "com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException", StreamsErrorKind.TrimmedData)]
    [InlineData(400, "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", StreamsErrorKind.NotFound)]
    [InlineData(400, "com.amazonaws.dynamodb.v20120810#LimitExceededException", StreamsErrorKind.Retryable)]
    [InlineData(400, "ThrottlingException", StreamsErrorKind.Retryable)]
    [InlineData(500, "com.amazonaws.dynamodb.v20120810#InternalServerError", StreamsErrorKind.Retryable)]
    [InlineData(503, "", StreamsErrorKind.Retryable)]
    [InlineData(400, "com.amazon.coral.service#AccessDeniedException", StreamsErrorKind.Fatal)]
    [InlineData(400, "com.amazon.coral.validate#ValidationException", StreamsErrorKind.Fatal)]
    public async Task Errors_AreClassifiedForThePoller(int status, string type, StreamsErrorKind kind)
    {
        _answer = (_, _) => (status, type.Length == 0 ? "<html>unavailable</html>" : $$"""{"__type":"{{type}}","message":"it went wrong"}""");

        var error = await Assert.ThrowsAsync<StreamsException>(() => Client().GetRecordsAsync("it-1", TestContext.Current.CancellationToken));

        Assert.Equal(kind, error.Kind);
        Assert.Contains("GetRecords", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The host names botocore's endpoint rules give for dynamodbstreams (botocore 1.43).</summary>
    [Theory]
    [InlineData("eu-west-1", "streams.dynamodb.eu-west-1.amazonaws.com")]
    [InlineData("cn-north-1", "streams.dynamodb.cn-north-1.amazonaws.com.cn")]
    [InlineData("cn-northwest-1", "streams.dynamodb.cn-northwest-1.amazonaws.com.cn")]
    [InlineData("us-gov-west-1", "streams.dynamodb.us-gov-west-1.amazonaws.com")]
    [InlineData("us-gov-east-1", "streams.dynamodb.us-gov-east-1.amazonaws.com")]
    [InlineData("eusc-de-east-1", "streams.dynamodb.eusc-de-east-1.amazonaws.eu")]
    [InlineData("us-iso-east-1", "streams.dynamodb.us-iso-east-1.c2s.ic.gov")]
    public void DefaultEndpoint_IsTheStreamsHostInTheRegionsPartition(string region, string host) =>
        Assert.Equal(new Uri($"https://{host}/"), DynamoDbStreamsClient.DefaultEndpoint(region));

    [Fact]
    public async Task UnreachableEndpoint_IsRetryable()
    {
        using var client = new DynamoDbStreamsClient("eu-west-1", new BasicAWSCredentials("a", "b"), new Uri($"http://127.0.0.1:{LoopbackHttpServer.FreePort()}/"));
        var error = await Assert.ThrowsAsync<StreamsException>(() => client.DescribeStreamAsync("arn:s", TestContext.Current.CancellationToken));
        Assert.Equal(StreamsErrorKind.Retryable, error.Kind);
    }
}
