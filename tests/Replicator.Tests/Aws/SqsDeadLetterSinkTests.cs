using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.Tests.Lambda;

namespace Replicator.Tests.Aws;

/// <summary>The sink through the real SDK client against a recording stand-in for SQS on loopback.</summary>
public sealed class SqsDeadLetterSinkTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static readonly Dictionary<string, string> JsonHeaders = new() { ["Content-Type"] = "application/x-amz-json-1.0" };

    /// <summary>SendMessage's answer, with the body's MD5 the SDK checks.</summary>
    private static ScriptedAnswer Sent(RecordedRequest request)
    {
        var body = (string)JsonNode.Parse(request.Text)!["MessageBody"]!;
        var md5 = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(body)));
        return new(200, $$"""{"MessageId":"{{Guid.NewGuid()}}","MD5OfMessageBody":"{{md5}}"}""", JsonHeaders);
    }

    private static AwsClients Clients(RuntimeApiRecorder sqs) => new(new BasicAWSCredentials("testing", "testing"), $"http://{sqs.Address}");

    private static JsonNode Sent(RuntimeApiRecorder sqs, int index) => JsonNode.Parse(sqs.Requests[index].Text)!;

    private static DeadLetter Letter(string? sequenceNumber, string? eventId, string record) =>
        new("us-west-2:target", "ValidationException", sequenceNumber, eventId, Encoding.UTF8.GetBytes(record));

    [Fact]
    public async Task Send_FifoLettersWithoutSequenceNumbers_GetDifferentDeduplicationIds()
    {
        await using var sqs = new RuntimeApiRecorder(Sent);
        using var clients = Clients(sqs);
        var sink = new SqsDeadLetterSink(clients.Sqs("us-west-2"), $"http://{sqs.Address}/123456789012/dlq.fifo");

        await sink.SendAsync(Letter(null, null, """{"broken":1}"""), Cancellation);
        await sink.SendAsync(Letter(null, null, """{"broken":2}"""), Cancellation);
        await sink.SendAsync(Letter(null, null, """{"broken":1}"""), Cancellation);

        var ids = Enumerable.Range(0, 3).Select(i => (string?)Sent(sqs, i)["MessageDeduplicationId"]).ToList();
        Assert.All(ids, id => Assert.False(string.IsNullOrEmpty(id)));
        Assert.NotEqual(ids[0], ids[1]);
        Assert.Equal(ids[0], ids[2]); // The same letter again is the same message: SQS drops the duplicate.
    }

    [Fact]
    public async Task Send_FifoLetters_EachGoInAGroupOfItsOwn_SoALetterThatStaysHoldsNoOtherBack()
    {
        // A FIFO queue returns no message of a group while one of that group is in flight: with one
        // group for all, a letter redrive keeps (hidden for its visibility timeout) hides every later letter.
        await using var sqs = new RuntimeApiRecorder(Sent);
        using var clients = Clients(sqs);
        var sink = new SqsDeadLetterSink(clients.Sqs("us-west-2"), $"http://{sqs.Address}/123456789012/dlq.fifo");

        await sink.SendAsync(Letter("1", "e1", """{"a":1}"""), Cancellation);
        await sink.SendAsync(Letter("2", "e2", """{"a":2}"""), Cancellation);

        var groups = Enumerable.Range(0, 2).Select(i => (string?)Sent(sqs, i)["MessageGroupId"]).ToList();
        Assert.All(groups, group => Assert.False(string.IsNullOrEmpty(group)));
        Assert.NotEqual(groups[0], groups[1]);
    }

    [Fact]
    public async Task Send_LetterTooLargeForTheQueue_GoesTruncated_WithItsKey()
    {
        await using var sqs = new RuntimeApiRecorder(request => JsonNode.Parse(request.Text)!["MessageBody"]!.ToString().Length > 256 * 1024
            ? new ScriptedAnswer(
                400,
                """{"__type":"com.amazonaws.sqs#InvalidParameterValue","Message":"One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes."}""",
                new Dictionary<string, string>(JsonHeaders) { ["x-amzn-query-error"] = "InvalidParameterValue;Sender" })
            : Sent(request));
        using var clients = Clients(sqs);
        var sink = new SqsDeadLetterSink(clients.Sqs("us-west-2"), $"http://{sqs.Address}/123456789012/dlq");
        var record = $$$"""{"eventName":"MODIFY","dynamodb":{"Keys":{"pk":{"S":"big"},"sk":{"N":"7"}},"NewImage":{"x":{"S":"{{{new string('x', 300 * 1024)}}}"}},"SequenceNumber":"9"}}""";

        await sink.SendAsync(Letter("9", "e9", record), Cancellation);

        var body = JsonNode.Parse((string)Sent(sqs, 1)["MessageBody"]!)!;
        Assert.True((bool?)body["truncated"]);
        Assert.Null(body["record"]);
        Assert.Equal("""{"pk":{"S":"big"},"sk":{"N":"7"}}""", body["keys"]!.ToJsonString());
    }

    [Fact]
    public async Task Send_LetterUnder1MiB_IsSentWhole()
    {
        await using var sqs = new RuntimeApiRecorder(Sent);
        using var clients = Clients(sqs);
        var sink = new SqsDeadLetterSink(clients.Sqs("us-west-2"), $"http://{sqs.Address}/123456789012/dlq");

        await sink.SendAsync(Letter("9", "e9", $"{{\"x\":\"{new string('x', 300 * 1024)}\"}}"), Cancellation);

        var body = JsonNode.Parse((string)Sent(sqs, 0)["MessageBody"]!)!;
        Assert.Equal(300 * 1024, ((string?)body["record"]!["x"])!.Length);
        Assert.Null(body["truncated"]);
    }

    [Fact]
    public async Task Send_LetterTheQueueRefusesAsTooLong_IsSentAgainTruncated()
    {
        await using var sqs = new RuntimeApiRecorder(request => JsonNode.Parse(request.Text)!["MessageBody"]!.ToString().Length > 256 * 1024
            ? new ScriptedAnswer(
                400,
                """{"__type":"com.amazonaws.sqs#InvalidParameterValue","Message":"One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes."}""",
                new Dictionary<string, string>(JsonHeaders) { ["x-amzn-query-error"] = "InvalidParameterValue;Sender" })
            : Sent(request));
        using var clients = Clients(sqs);
        var sink = new SqsDeadLetterSink(clients.Sqs("us-west-2"), $"http://{sqs.Address}/123456789012/dlq");

        await sink.SendAsync(Letter("9", "e9", $"{{\"x\":\"{new string('x', 300 * 1024)}\"}}"), Cancellation);

        Assert.Equal(2, sqs.Requests.Count);
        var body = JsonNode.Parse((string)Sent(sqs, 1)["MessageBody"]!)!;
        Assert.True((bool?)body["truncated"]);
        Assert.Equal("9", (string?)body["sequenceNumber"]);
        Assert.Equal("e9", (string?)body["eventID"]);
    }

    [Fact]
    public async Task Send_LetterOver1MiB_IsSentTruncatedAtOnce()
    {
        await using var sqs = new RuntimeApiRecorder(Sent);
        using var clients = Clients(sqs);
        var sink = new SqsDeadLetterSink(clients.Sqs("us-west-2"), $"http://{sqs.Address}/123456789012/dlq");

        await sink.SendAsync(Letter("9", "e9", $"{{\"x\":\"{new string('x', 1100 * 1024)}\"}}"), Cancellation);

        Assert.Single(sqs.Requests);
        var body = JsonNode.Parse((string)Sent(sqs, 0)["MessageBody"]!)!;
        Assert.True((bool?)body["truncated"]);
    }

    /// <summary>As SQS answers a body holding a character outside #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF.</summary>
    private static ScriptedAnswer RefusingCharactersLikeSqs(RecordedRequest request)
    {
        var body = (string)JsonNode.Parse(request.Text)!["MessageBody"]!;
        var refused = body.EnumerateRunes().Any(rune => !(rune.Value is 0x9 or 0xA or 0xD or (>= 0x20 and <= 0xD7FF) or (>= 0xE000 and <= 0xFFFD) or >= 0x10000));
        return refused
            ? new ScriptedAnswer(
                400,
                """{"__type":"com.amazonaws.sqs#InvalidMessageContents","message":"Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"}""",
                new Dictionary<string, string>(JsonHeaders) { ["x-amzn-query-error"] = "InvalidMessageContents;Sender" })
            : Sent(request);
    }

    [Theory]
    [InlineData("\uFFFE", "U+FFFE")]
    [InlineData("\uFFFF", "U+FFFF")]
    [InlineData("\u0001", "U+0001")]
    [InlineData("\u001F", "U+001F")]
    public async Task Send_RecordWithACharacterSqsRefuses_IsSentBase64SayingSo(string character, string named)
    {
        await using var sqs = new RuntimeApiRecorder(RefusingCharactersLikeSqs);
        using var clients = Clients(sqs);
        var sink = new SqsDeadLetterSink(clients.Sqs("us-west-2"), $"http://{sqs.Address}/123456789012/dlq");
        var record = Encoding.UTF8.GetBytes("{\"eventID\":\"e9\",\"dynamodb\":{\"Keys\":{\"pk\":{\"S\":\"a" + character + "b\"}}}}");

        await sink.SendAsync(new DeadLetter("us-west-2:target", "ValidationException", "9", "e9", record), Cancellation);

        Assert.Single(sqs.Requests);
        var body = JsonNode.Parse((string)Sent(sqs, 0)["MessageBody"]!)!;
        Assert.Equal("base64", (string?)body["recordEncoding"]);
        Assert.Contains(named, (string?)body["recordEncodingReason"], StringComparison.Ordinal);
        Assert.Equal(record, Convert.FromBase64String((string)body["recordBase64"]!));
        Assert.Null(body["record"]);
        Assert.Equal("9", (string?)body["sequenceNumber"]);
    }

    [Fact]
    public async Task Send_RecordNotValidUtf8_IsSentBase64WithItsExactBytes()
    {
        await using var sqs = new RuntimeApiRecorder(RefusingCharactersLikeSqs);
        using var clients = Clients(sqs);
        var sink = new SqsDeadLetterSink(clients.Sqs("us-west-2"), $"http://{sqs.Address}/123456789012/dlq");
        byte[] record = [.. "{\"x\":\""u8, 0xFF, 0xC3, 0x28, .. "\"}"u8];

        await sink.SendAsync(new DeadLetter(null, "not JSON", null, null, record), Cancellation);

        var body = JsonNode.Parse((string)Sent(sqs, 0)["MessageBody"]!)!;
        Assert.Equal("base64", (string?)body["recordEncoding"]);
        Assert.Contains("not valid UTF-8", (string?)body["recordEncodingReason"], StringComparison.Ordinal);
        Assert.Equal(record, Convert.FromBase64String((string)body["recordBase64"]!));
    }

    [Fact]
    public async Task Send_RecordNotJson_IsSentBase64()
    {
        await using var sqs = new RuntimeApiRecorder(RefusingCharactersLikeSqs);
        using var clients = Clients(sqs);
        var sink = new SqsDeadLetterSink(clients.Sqs("us-west-2"), $"http://{sqs.Address}/123456789012/dlq");
        var record = """{"eventID":"e9","dynamodb":"""u8.ToArray();

        await sink.SendAsync(new DeadLetter(null, "cut short", null, "e9", record), Cancellation);

        var body = JsonNode.Parse((string)Sent(sqs, 0)["MessageBody"]!)!;
        Assert.Equal("base64", (string?)body["recordEncoding"]);
        Assert.Equal(record, Convert.FromBase64String((string)body["recordBase64"]!));
    }

    [Fact]
    public async Task Send_RecordSqsTakes_IsSentAsJsonUnchanged()
    {
        await using var sqs = new RuntimeApiRecorder(RefusingCharactersLikeSqs);
        using var clients = Clients(sqs);
        var sink = new SqsDeadLetterSink(clients.Sqs("us-west-2"), $"http://{sqs.Address}/123456789012/dlq");
        const string record = """{"eventID":"e9","dynamodb":{"Keys":{"pk":{"S":"é\uFFFF😀\t"}}}}""";

        await sink.SendAsync(Letter("9", "e9", record), Cancellation);

        var body = JsonNode.Parse((string)Sent(sqs, 0)["MessageBody"]!)!;
        Assert.Null(body["recordEncoding"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(record), body["record"]));
    }

    [Fact]
    public async Task Send_OtherRefusal_IsNotRetriedTruncated()
    {
        await using var sqs = new RuntimeApiRecorder(_ => new ScriptedAnswer(
            400,
            """{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}""",
            new Dictionary<string, string>(JsonHeaders) { ["x-amzn-query-error"] = "AWS.SimpleQueueService.NonExistentQueue;Sender" }));
        using var clients = Clients(sqs);
        var sink = new SqsDeadLetterSink(clients.Sqs("us-west-2"), $"http://{sqs.Address}/123456789012/dlq");

        await Assert.ThrowsAnyAsync<AmazonServiceException>(() => sink.SendAsync(Letter("9", "e9", "{}"), Cancellation));

        Assert.Single(sqs.Requests);
    }
}
