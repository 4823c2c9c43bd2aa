using Replicator.Model;

namespace Replicator.Redrive;

/// <summary>
/// What one queue message is, told by its body: a dead letter (<c>error</c>/<c>target</c>, written
/// by <c>SqsDeadLetterSink</c>), a batch the event source mapping gave up on (its
/// <c>DDBStreamBatchInfo</c>), or neither.
/// </summary>
public abstract record Letter
{
    private Letter()
    {
    }

    /// <summary>
    /// A poison record, whole. <see cref="Target"/> is where it was bound (null: the parser refused
    /// the record, which was bound for every target). <see cref="Key"/> is the record's
    /// <c>dynamodb.Keys</c>, or null with <see cref="KeyProblem"/> saying why it cannot be read.
    /// </summary>
    public sealed record DeadLetter(string? Target, string Error, string? SequenceNumber, ItemKey? Key, string? KeyProblem) : Letter;

    /// <summary>A batch Lambda gave up on: a range of one shard of a stream, both ends included.</summary>
    public sealed record FailedBatch(string StreamArn, string ShardId, SequenceNumber Start, SequenceNumber End, string? Condition) : Letter;

    /// <summary>A message that is neither, and why.</summary>
    public sealed record Unrecognised(string Reason) : Letter;
}
