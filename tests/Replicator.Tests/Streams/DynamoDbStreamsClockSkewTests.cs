using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Amazon.Runtime;
using Microsoft.Extensions.Time.Testing;
using Replicator.Aws.Streams;
using Replicator.Streams;
using Replicator.TestSupport;

namespace Replicator.Tests.Streams;

/// <summary>
/// Clock-skew correction, against a stand-in for DynamoDB Streams with a clock of its own that
/// refuses, as DynamoDB does, a request signed more than 15 minutes from its time.
/// </summary>
public sealed class DynamoDbStreamsClockSkewTests : IAsyncDisposable
{
    private static readonly DateTimeOffset ServerTime = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(15);

    private const string Described = """{"StreamDescription":{"StreamArn":"arn:s","TableName":"t","StreamStatus":"ENABLED","Shards":[]}}""";

    private readonly ConcurrentQueue<DateTimeOffset> _signedAt = new();
    private readonly LoopbackHttpServer _server;

    /// <summary>How the stand-in refuses a signature with a bad time: DynamoDB's own words, by default.</summary>
    private Func<DateTimeOffset, string> _refusal = Expired;

    public DynamoDbStreamsClockSkewTests() => _server = new LoopbackHttpServer(async context =>
    {
        await LoopbackHttpServer.ReadBodyAsync(context.Request);
        var signedAt = DateTimeOffset.ParseExact(context.Request.Headers["X-Amz-Date"]!, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        _signedAt.Enqueue(signedAt);
        var (status, body) = (signedAt - ServerTime).Duration() > Tolerance ? (400, _refusal(signedAt)) : (200, Described);
        await LoopbackHttpServer.RespondAsync(
            context,
            status,
            [new("Content-Type", "application/x-amz-json-1.0"), new("Date", ServerTime.ToString("r", CultureInfo.InvariantCulture))],
            Encoding.UTF8.GetBytes(body));
    });

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private static string Stamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    private static string Expired(DateTimeOffset signedAt) => signedAt < ServerTime
        ? $$"""{"__type":"com.amazon.coral.service#InvalidSignatureException","message":"Signature expired: {{Stamp(signedAt)}} is now earlier than {{Stamp(ServerTime - Tolerance)}} ({{Stamp(ServerTime)}} - 15 min.)"}"""
        : $$"""{"__type":"com.amazon.coral.service#InvalidSignatureException","message":"Signature not yet current: {{Stamp(signedAt)}} is still later than {{Stamp(ServerTime + Tolerance)}} ({{Stamp(ServerTime)}} + 15 min.)"}""";

    private DynamoDbStreamsClient Client(TimeProvider time) =>
        new("eu-west-1", new BasicAWSCredentials("AKIDEXAMPLE", "secret"), new Uri(_server.Url + "/"), time);

    [Theory]
    [InlineData(-3)]
    [InlineData(5)]
    public async Task Call_ClockHoursOff_FailsRetryablyThenSucceedsSignedWithTheServersTime(int hoursOff)
    {
        var time = new FakeTimeProvider(ServerTime.AddHours(hoursOff));
        using var client = Client(time);

        var refused = await Assert.ThrowsAsync<StreamsException>(() => client.DescribeStreamAsync("arn:s", TestContext.Current.CancellationToken));
        Assert.Equal(StreamsErrorKind.Retryable, refused.Kind);
        Assert.Contains("InvalidSignatureException", refused.Message, StringComparison.Ordinal);

        time.Advance(TimeSpan.FromSeconds(30)); // the poller's backoff
        var description = await client.DescribeStreamAsync("arn:s", TestContext.Current.CancellationToken);

        Assert.Equal("t", description.TableName);
        Assert.Equal(TimeSpan.FromHours(-hoursOff), client.ClockOffset);
        Assert.Equal([ServerTime.AddHours(hoursOff), ServerTime.AddSeconds(30)], _signedAt);
    }

    [Fact]
    public async Task Call_RefusedAsRequestTimeTooSkewed_IsCorrectedLikewise()
    {
        _refusal = _ => """{"__type":"RequestTimeTooSkewed","message":"The difference between the request time and the current time is too large."}""";
        var time = new FakeTimeProvider(ServerTime.AddHours(-2));
        using var client = Client(time);

        var refused = await Assert.ThrowsAsync<StreamsException>(() => client.DescribeStreamAsync("arn:s", TestContext.Current.CancellationToken));
        Assert.Equal(StreamsErrorKind.Retryable, refused.Kind);
        await client.DescribeStreamAsync("arn:s", TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Call_BadSignatureWithTheClockRight_StaysFatal()
    {
        // A wrong secret key: the same error type, but the signing time was fine, so not the clock's fault.
        await using var server = new LoopbackHttpServer(context => LoopbackHttpServer.RespondAsync(
            context,
            400,
            [new("Content-Type", "application/x-amz-json-1.0"), new("Date", ServerTime.AddMinutes(1).ToString("r", CultureInfo.InvariantCulture))],
            """{"__type":"com.amazon.coral.service#InvalidSignatureException","message":"The request signature we calculated does not match the signature you provided."}"""u8.ToArray()));
        using var client = new DynamoDbStreamsClient("eu-west-1", new BasicAWSCredentials("AKIDEXAMPLE", "wrong"), new Uri(server.Url + "/"), new FakeTimeProvider(ServerTime));

        var refused = await Assert.ThrowsAsync<StreamsException>(() => client.DescribeStreamAsync("arn:s", TestContext.Current.CancellationToken));

        Assert.Equal(StreamsErrorKind.Fatal, refused.Kind);
        Assert.Equal(TimeSpan.Zero, client.ClockOffset);
    }
}
