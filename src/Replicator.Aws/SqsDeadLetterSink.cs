using System.Security.Cryptography;
using System.Text;
using Amazon.SQS;
using Amazon.SQS.Model;
using Replicator.Applying;

namespace Replicator.Aws;

/// <summary>
/// Sends poison records to an SQS queue, one message each: the original stream record whole, the
/// target it was bound for, and the error. A record too large for one message is sent without its
/// body and marked <c>"truncated": true</c> (the sequence number and error still say which it was).
/// </summary>
public sealed class SqsDeadLetterSink(IAmazonSQS client, string queueUrl) : IDeadLetterSink
{
    /// <summary>An SQS message body is at most 256 KiB.</summary>
    internal const int MaxMessageBytes = 256 * 1024;

    public async Task SendAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        var body = Body(letter, includeRecord: true);
        if (Encoding.UTF8.GetByteCount(body) > MaxMessageBytes)
        {
            body = Body(letter, includeRecord: false);
        }

        var request = new SendMessageRequest { QueueUrl = queueUrl, MessageBody = body };
        if (queueUrl.EndsWith(".fifo", StringComparison.Ordinal))
        {
            request.MessageGroupId = "replicator";
            request.MessageDeduplicationId = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{letter.Target}|{letter.SequenceNumber}|{letter.EventId}")));
        }

        await client.SendMessageAsync(request, cancellationToken).ConfigureAwait(false);
    }

    internal static string Body(DeadLetter letter, bool includeRecord) => JsonText.Render(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("error", letter.Error);
        writer.WriteString("target", letter.Target);
        writer.WriteString("sequenceNumber", letter.SequenceNumber);
        writer.WriteString("eventID", letter.EventId);
        if (includeRecord)
        {
            writer.WritePropertyName("record");
            writer.WriteRawValue(letter.Record.Span, skipInputValidation: true);
        }
        else
        {
            writer.WriteBoolean("truncated", true);
        }

        writer.WriteEndObject();
    });
}
