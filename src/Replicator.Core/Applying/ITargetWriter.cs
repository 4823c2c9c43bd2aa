using Replicator.Planning;

namespace Replicator.Applying;

/// <summary>
/// A target table: where replicated writes go. Given as a table ARN, it keeps the ARN, whose
/// account may not be the caller's; requests then name the table by its ARN. Two targets are the
/// same only if region, name and ARN all are.
/// </summary>
public sealed record TargetTable(string Region, string TableName, string? Arn = null)
{
    /// <summary>How requests name the table: its ARN if it was given as one, else its name.</summary>
    public string RequestName => Arn ?? TableName;

    public override string ToString() => Arn ?? $"{Region}:{TableName}";
}

/// <summary>
/// Writes actions to one target table. The seam between the engine and DynamoDB: the AWS edge
/// implements it with BatchWriteItem, PutItem and DeleteItem; tests implement it in memory.
/// Implementations do not retry; the engine does, within the host's deadline.
/// </summary>
public interface ITargetWriter
{
    TargetTable Target { get; }

    /// <summary>
    /// Writes up to <see cref="ReplicationOptions.MaxBatchWriteItems"/> actions on distinct keys in one
    /// request, and returns the ones the service left unprocessed. Throws <see cref="TargetWriteException"/>.
    /// </summary>
    Task<IReadOnlyList<WriteAction>> WriteBatchAsync(IReadOnlyList<WriteAction> actions, CancellationToken cancellationToken);

    /// <summary>Writes one action on its own. Throws <see cref="TargetWriteException"/>.</summary>
    Task WriteOneAsync(WriteAction action, CancellationToken cancellationToken);
}

public enum TargetErrorKind : byte
{
    /// <summary>Throttling, 5xx, a dropped connection: worth trying again.</summary>
    Retryable,

    /// <summary>The service refused the item itself (validation, too large): it will never apply.</summary>
    Poison,

    /// <summary>Not the record's fault and not worth retrying now (access denied, no such table, a key schema the items do not fit).</summary>
    Fatal,
}

/// <summary>A write the target refused, classified for the engine.</summary>
public sealed class TargetWriteException(TargetErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public TargetErrorKind Kind { get; } = kind;
}

/// <summary>A poison record, whole: the original stream record, where it was going, and why it failed.</summary>
public sealed record DeadLetter(string? Target, string Error, string? SequenceNumber, string? EventId, ReadOnlyMemory<byte> Record);

/// <summary>Where poison records go (the AWS edge sends them to SQS).</summary>
public interface IDeadLetterSink
{
    Task SendAsync(DeadLetter letter, CancellationToken cancellationToken);
}
