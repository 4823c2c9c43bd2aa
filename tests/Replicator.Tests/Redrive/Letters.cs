using System.Globalization;
using System.Text;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.Tests.Fixtures;

namespace Replicator.Tests.Redrive;

/// <summary>Queue message bodies as the two queues hold them: a dead letter as <see cref="SqsDeadLetterSink"/> writes it, and Lambda's on-failure invocation record.</summary>
internal static class Letters
{
    /// <summary>A dead letter of a MODIFY record on <c>pk = key</c> whose (old, by now) image has <c>v = version</c>.</summary>
    public static string Dead(string? target, string key, long sequenceNumber, int version = 0) =>
        OfRecord(target, Events.Record("MODIFY", key, sequenceNumber, version), sequenceNumber);

    public static string OfRecord(string? target, string record, long sequenceNumber, bool truncated = false) =>
        SqsDeadLetterSink.Body(
            new DeadLetter(target, "ValidationException: One or more parameter values are not valid", sequenceNumber.ToString(CultureInfo.InvariantCulture), $"e{sequenceNumber}", Encoding.UTF8.GetBytes(record)),
            includeRecord: !truncated);

    /// <summary>What Lambda sends the on-failure destination of a DynamoDB event source mapping for a batch it gave up on.</summary>
    public static string OnFailure(string streamArn, string shardId, long start, long end, int batchSize) => $$$"""
        {"requestContext":{"requestId":"316aa6d0-8154-4ab5-9af7-85d5f4a6bc81","functionArn":"arn:aws:lambda:us-east-1:123456789012:function:replicator","condition":"RetryAttemptsExhausted","approximateInvokeCount":3},
         "responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},
         "version":"1.0","timestamp":"2026-12-01T10:00:00.000Z",
         "DDBStreamBatchInfo":{"shardId":"{{{shardId}}}","startSequenceNumber":"{{{start}}}","endSequenceNumber":"{{{end}}}","approximateArrivalOfFirstRecord":"2026-12-01T09:59:00Z","approximateArrivalOfLastRecord":"2026-12-01T09:59:01Z","batchSize":{{{batchSize}}},"streamArn":"{{{streamArn}}}"}}
        """;
}
