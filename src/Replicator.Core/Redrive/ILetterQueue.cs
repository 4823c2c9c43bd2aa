namespace Replicator.Redrive;

/// <summary>A message as received: its id, the handle that deletes or releases it, and its body.</summary>
public sealed record QueuedMessage(string MessageId, string ReceiptHandle, string Body);

/// <summary>
/// The queue a redrive reads (the AWS edge implements it with SQS; tests in memory). A received
/// message stays invisible to other receivers for the visibility timeout, then comes back unless
/// deleted: a letter is lost only by <see cref="DeleteAsync"/>.
/// </summary>
public interface ILetterQueue
{
    /// <summary>Up to <paramref name="max"/> (at most 10) messages, none if the queue answers empty; each hidden for <paramref name="visibility"/>.</summary>
    Task<IReadOnlyList<QueuedMessage>> ReceiveAsync(int max, TimeSpan visibility, CancellationToken cancellationToken);

    /// <summary>Deletes the messages; returns the ids of those it could not delete, and why.</summary>
    Task<IReadOnlyDictionary<string, string>> DeleteAsync(IReadOnlyList<QueuedMessage> messages, CancellationToken cancellationToken);

    /// <summary>Makes the messages visible again at once (a dry run leaves the queue as it found it).</summary>
    Task ReleaseAsync(IReadOnlyList<QueuedMessage> messages, CancellationToken cancellationToken);
}
