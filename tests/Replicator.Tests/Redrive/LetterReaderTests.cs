using System.Text;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.Model;
using Replicator.Redrive;
using Replicator.Tests.Fixtures;

namespace Replicator.Tests.Redrive;

public sealed class LetterReaderTests
{
    private static readonly ItemKey KeyA = new(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String("a") });

    [Fact]
    public void Read_DeadLetter_GivesTargetSequenceNumberAndTheRecordsKey()
    {
        var letter = Assert.IsType<Letter.DeadLetter>(LetterReader.Read(Letters.Dead("us-west-2:users", "a", 501)));

        Assert.Equal(("us-west-2:users", "501", KeyA, (string?)null), (letter.Target, letter.SequenceNumber, letter.Key, letter.KeyProblem));
    }

    [Fact]
    public void Read_DeadLetterOfARecordTheParserRefused_StillGivesItsKey_AndNoTarget()
    {
        var refused = """{"eventID":"x","eventName":"BOGUS","dynamodb":{"Keys":{"pk":{"S":"a"}},"NewImage":{"pk":{"Q":"?"}},"SequenceNumber":"7"}}""";
        Assert.NotEmpty(Events.Parse(Events.Event(refused)).Malformed);

        var letter = Assert.IsType<Letter.DeadLetter>(LetterReader.Read(Letters.OfRecord(null, refused, 7)));

        Assert.Null(letter.Target);
        Assert.Equal(KeyA, letter.Key);
    }

    [Fact]
    public void Read_DeadLetterSentAsBase64_ReadsTheKeyFromTheDecodedRecord()
    {
        // U+FFFF is not allowed in an SQS message, so the sink sends this record base64-encoded.
        var record = Encoding.UTF8.GetBytes("{\"dynamodb\":{\"Keys\":{\"pk\":{\"S\":\"a\"}},\"NewImage\":{\"pk\":{\"S\":\"a\"},\"x\":{\"S\":\"\uFFFF\"}},\"SequenceNumber\":\"9\"}}");
        var body = SqsDeadLetterSink.Body(new DeadLetter("us-west-2:users", "refused", "9", "e9", record), includeRecord: true);
        Assert.Contains("recordBase64", body, StringComparison.Ordinal);

        Assert.Equal(KeyA, Assert.IsType<Letter.DeadLetter>(LetterReader.Read(body)).Key);
    }

    [Fact]
    public void Read_TruncatedDeadLetter_StillNamesItsKey()
    {
        // A record too large for the queue (256 KiB by default) goes without its images, but with its key.
        var letter = Assert.IsType<Letter.DeadLetter>(LetterReader.Read(Letters.OfRecord("us-west-2:users", Events.Record("MODIFY", "a", 5, 1), 5, truncated: true)));

        Assert.Equal(new ItemKey(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String("a") }), letter.Key);
        Assert.Null(letter.KeyProblem);
    }

    [Theory]
    [InlineData("truncated", "truncated")]
    [InlineData("garbage", "not JSON")]
    [InlineData("nokeys", "no dynamodb.Keys")]
    [InlineData("mapkey", "type M")]
    public void Read_DeadLetterWithoutAReadableKey_SaysWhy(string kind, string reason)
    {
        var body = kind switch
        {
            "truncated" => Letters.OfRecord("us-west-2:users", "{not json", 5, truncated: true),
            "garbage" => SqsDeadLetterSink.Body(new DeadLetter(null, "unreadable", null, null, Encoding.UTF8.GetBytes("{not json")), includeRecord: true),
            "nokeys" => Letters.OfRecord(null, """{"dynamodb":{"SequenceNumber":"5"}}""", 5),
            _ => Letters.OfRecord(null, """{"dynamodb":{"Keys":{"pk":{"M":{}}},"SequenceNumber":"5"}}""", 5),
        };

        var letter = Assert.IsType<Letter.DeadLetter>(LetterReader.Read(body));

        Assert.Null(letter.Key);
        Assert.Contains(reason, letter.KeyProblem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_OnFailureRecord_GivesStreamShardAndRange()
    {
        var letter = Assert.IsType<Letter.FailedBatch>(LetterReader.Read(Letters.OnFailure("arn:aws:dynamodb:us-east-1:123456789012:table/users/stream/2026-01-01T00:00:00.000", "shardId-0001", 100, 190, 4)));

        Assert.Equal(("shardId-0001", "100", "190", "RetryAttemptsExhausted"), (letter.ShardId, letter.Start.Value, letter.End.Value, letter.Condition));
        Assert.EndsWith("table/users/stream/2026-01-01T00:00:00.000", letter.StreamArn, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json at all", "not JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("""{"hello":"world"}""", "neither")]
    [InlineData("""{"DDBStreamBatchInfo":{"shardId":"s","streamArn":"a","startSequenceNumber":"9","endSequenceNumber":"x"}}""", "not a sequence number")]
    [InlineData("""{"DDBStreamBatchInfo":{"shardId":"s","streamArn":"a","startSequenceNumber":"9","endSequenceNumber":"8"}}""", "after its end")]
    public void Read_MessageOfNeitherQueue_IsUnrecognisedWithTheReason(string body, string reason)
    {
        Assert.Contains(reason, Assert.IsType<Letter.Unrecognised>(LetterReader.Read(body)).Reason, StringComparison.Ordinal);
    }
}
