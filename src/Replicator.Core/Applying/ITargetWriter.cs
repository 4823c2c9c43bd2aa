using Replicator.Planning;

namespace Replicator.Applying;

/// <summary>
/// Writes actions to one target table. The seam between the engine and DynamoDB: the AWS edge
/// implements it with BatchWriteItem, PutItem and DeleteItem; tests implement it in memory, and
/// one contract suite runs against both. Implementations do not retry and do not throw for what
/// the service answers: they return what happened, and the engine retries within the host's
/// deadline. Only cancellation (and a bug) throws.
/// </summary>
public interface ITargetWriter
{
    TargetTable Target { get; }

    /// <summary>Writes up to <see cref="ReplicationOptions.MaxBatchWriteItems"/> actions on distinct keys in one request.</summary>
    Task<BatchOutcome> WriteBatchAsync(IReadOnlyList<WriteAction> actions, CancellationToken cancellationToken);

    /// <summary>Writes one action on its own.</summary>
    Task<WriteOutcome> WriteOneAsync(WriteAction action, CancellationToken cancellationToken);
}
