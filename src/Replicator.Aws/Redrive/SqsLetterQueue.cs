using System.Globalization;
using Amazon.SQS;
using Amazon.SQS.Model;
using Replicator.Redrive;

namespace Replicator.Aws.Redrive;

/// <summary>
/// A dead-letter or on-failure queue on SQS. Receives with a 1-second long poll, which asks every
/// SQS server (a short poll asks some, and may answer empty while messages wait), so an empty
/// answer means the queue has no visible message. Deletes and releases in batches of ten.
/// </summary>
public sealed class SqsLetterQueue(IAmazonSQS client, string queueUrl) : ILetterQueue
{
    /// <summary>How long a receive waits for a message before answering empty.</summary>
    private const int WaitSeconds = 1;

    public async Task<IReadOnlyList<QueuedMessage>> ReceiveAsync(int max, TimeSpan visibility, CancellationToken cancellationToken)
    {
        var response = await client.ReceiveMessageAsync(
            new ReceiveMessageRequest
            {
                QueueUrl = queueUrl,
                MaxNumberOfMessages = Math.Clamp(max, 1, RedriveSettings.MaxMessagesPerReceive),
                VisibilityTimeout = Seconds(visibility),
                WaitTimeSeconds = WaitSeconds,
            },
            cancellationToken).ConfigureAwait(false);
        return [.. (response.Messages ?? []).Select(message => new QueuedMessage(message.MessageId, message.ReceiptHandle, message.Body ?? ""))];
    }

    public async Task<IReadOnlyDictionary<string, string>> DeleteAsync(IReadOnlyList<QueuedMessage> messages, CancellationToken cancellationToken)
    {
        var failed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in messages.Chunk(RedriveSettings.MaxMessagesPerReceive))
        {
            var response = await client.DeleteMessageBatchAsync(
                new DeleteMessageBatchRequest
                {
                    QueueUrl = queueUrl,
                    Entries = [.. chunk.Select((message, i) => new DeleteMessageBatchRequestEntry(Id(i), message.ReceiptHandle))],
                },
                cancellationToken).ConfigureAwait(false);
            foreach (var entry in response.Failed ?? [])
            {
                failed[chunk[int.Parse(entry.Id, CultureInfo.InvariantCulture)].MessageId] = $"{entry.Code}: {entry.Message}";
            }
        }

        return failed;
    }

    public async Task ReleaseAsync(IReadOnlyList<QueuedMessage> messages, CancellationToken cancellationToken)
    {
        foreach (var chunk in messages.Chunk(RedriveSettings.MaxMessagesPerReceive))
        {
            await client.ChangeMessageVisibilityBatchAsync(
                new ChangeMessageVisibilityBatchRequest
                {
                    QueueUrl = queueUrl,
                    Entries = [.. chunk.Select((message, i) => new ChangeMessageVisibilityBatchRequestEntry(Id(i), message.ReceiptHandle) { VisibilityTimeout = 0 })],
                },
                cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Id(int index) => index.ToString(CultureInfo.InvariantCulture);

    private static int Seconds(TimeSpan visibility) => (int)Math.Clamp(Math.Ceiling(visibility.TotalSeconds), 0, RedriveSettings.MaxVisibilityTimeout.TotalSeconds);
}
