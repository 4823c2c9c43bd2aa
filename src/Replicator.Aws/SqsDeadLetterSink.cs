using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Replicator.Applying;

namespace Replicator.Aws;

/// <summary>
/// Sends poison records to an SQS queue, one message each: the original stream record whole, the
/// target it was bound for, and the error. A record too large for one message (over SQS's 1 MiB,
/// or over the queue's own smaller <c>MaximumMessageSize</c>, which SQS reports by refusing it) is
/// sent without its body and marked <c>"truncated": true</c> (the sequence number, eventID and
/// error still say which it was, and <c>"keys"</c>, the record's <c>dynamodb.Keys</c>, which key:
/// all redrive needs). A record that cannot go as JSON text (invalid UTF-8, a character
/// SQS refuses in a message body such as U+FFFF, or not JSON at all) goes base64-encoded instead,
/// as <c>"recordBase64"</c> with <c>"recordEncoding": "base64"</c> and the reason, so that its exact
/// bytes survive.
/// </summary>
public sealed class SqsDeadLetterSink(IAmazonSQS client, string queueUrl) : IDeadLetterSink
{
    public async Task SendAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        var body = Body(letter, includeRecord: true);
        if (Encoding.UTF8.GetByteCount(body) > ReplicationOptions.MaxMessageBytes)
        {
            await SendBodyAsync(letter, Body(letter, includeRecord: false), cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await SendBodyAsync(letter, body, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException e) when (IsTooLong(e))
        {
            await SendBodyAsync(letter, Body(letter, includeRecord: false), cancellationToken).ConfigureAwait(false);
        }
    }

    private Task SendBodyAsync(DeadLetter letter, string body, CancellationToken cancellationToken)
    {
        var request = new SendMessageRequest { QueueUrl = queueUrl, MessageBody = body };
        if (queueUrl.EndsWith(".fifo", StringComparison.Ordinal))
        {
            // A group of its own: FIFO returns no message of a group while one of it is in flight, so with
            // one group for all, a letter that redrive keeps (hidden until its visibility timeout) would hide
            // every later one. Order between letters means nothing to redrive, which reads the source anew.
            var id = DeduplicationId(letter);
            request.MessageGroupId = id;
            request.MessageDeduplicationId = id;
        }

        return client.SendMessageAsync(request, cancellationToken);
    }

    /// <summary>
    /// SQS refuses a message over the queue's MaximumMessageSize with InvalidParameterValue,
    /// "Message must be shorter than N bytes".
    /// </summary>
    private static bool IsTooLong(AmazonServiceException e) =>
        e.ErrorCode is { } code
        && (code.StartsWith("InvalidParameterValue", StringComparison.Ordinal) || code == "MessageTooLong")
        && (e.Message.Contains("shorter than", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("too long", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// A FIFO queue drops a message whose deduplication id it saw in the last 5 minutes. The id is a
    /// hash of the target, sequence number, eventID and the record's bytes, each length-prefixed,
    /// so the same letter sent again is dropped and different letters never are, even when they
    /// have no sequence number or eventID (an unreadable record).
    /// </summary>
    internal static string DeduplicationId(DeadLetter letter)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendPart(hash, letter.Target);
        AppendPart(hash, letter.SequenceNumber);
        AppendPart(hash, letter.EventId);
        AppendPart(hash, letter.Record.Span);
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>Appends a text part as its UTF-8 length (-1 for none) and bytes.</summary>
    private static void AppendPart(IncrementalHash hash, string? text)
    {
        if (text is null)
        {
            AppendLength(hash, -1);
        }
        else
        {
            AppendPart(hash, Encoding.UTF8.GetBytes(text));
        }
    }

    private static void AppendPart(IncrementalHash hash, ReadOnlySpan<byte> bytes)
    {
        AppendLength(hash, bytes.Length);
        hash.AppendData(bytes);
    }

    private static void AppendLength(IncrementalHash hash, int length)
    {
        Span<byte> prefix = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32BigEndian(prefix, length);
        hash.AppendData(prefix);
    }

    internal static string Body(DeadLetter letter, bool includeRecord) => JsonText.Render(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("error", letter.Error);
        writer.WriteString("target", letter.Target);
        writer.WriteString("sequenceNumber", letter.SequenceNumber);
        writer.WriteString("eventID", letter.EventId);
        if (!includeRecord)
        {
            writer.WriteBoolean("truncated", true);

            // The key is small and all redrive needs: without it, a letter too large for the queue could only be repaired by hand.
            if (Replicator.Redrive.LetterKeys.RawKeys(letter.Record.Span) is { } keys && SqsMessageText.WhyNotAsJson(keys) is null)
            {
                writer.WritePropertyName("keys");
                writer.WriteRawValue(keys, skipInputValidation: true);
            }
        }
        else if (SqsMessageText.WhyNotAsJson(letter.Record.Span) is { } reason)
        {
            writer.WriteString("recordEncoding", "base64");
            writer.WriteString("recordEncodingReason", reason);
            writer.WriteBase64String("recordBase64", letter.Record.Span);
        }
        else
        {
            // Checked above: valid UTF-8, one JSON value, only characters SQS takes.
            writer.WritePropertyName("record");
            writer.WriteRawValue(letter.Record.Span, skipInputValidation: true);
        }

        writer.WriteEndObject();
    });
}
