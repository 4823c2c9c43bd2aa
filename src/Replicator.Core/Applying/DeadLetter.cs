namespace Replicator.Applying;

/// <summary>A poison record, whole: the original stream record, where it was going, and why it failed.</summary>
public sealed record DeadLetter(string? Target, string Error, string? SequenceNumber, string? EventId, ReadOnlyMemory<byte> Record);

/// <summary>Where poison records go (the AWS edge sends them to SQS).</summary>
public interface IDeadLetterSink
{
    Task SendAsync(DeadLetter letter, CancellationToken cancellationToken);
}
