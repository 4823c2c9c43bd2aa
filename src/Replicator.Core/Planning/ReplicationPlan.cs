using Replicator.Model;

namespace Replicator.Planning;

public enum WriteKind : byte { Put, Delete }

/// <summary>
/// The one write a key needs after a batch is coalesced: put the last new image, or delete.
/// It covers every record of the key in the batch; <see cref="FirstSequenceNumber"/> is the
/// earliest of them, which is what a failure must report. <see cref="Item"/> is the item to put,
/// or the key to delete. <see cref="LastRecord"/> is the stream record the write comes from
/// (dead-lettered whole if the write is poison); copies made by backfill and repair have none.
/// </summary>
public sealed record WriteAction(
    ItemKey Key,
    WriteKind Kind,
    IReadOnlyDictionary<string, DynamoValue> Item,
    SequenceNumber FirstSequenceNumber,
    ChangeRecord? LastRecord,
    int RecordCount,
    DateTimeOffset? EarliestCreationTime)
{
    /// <summary>
    /// An action is one write of one plan, and is its own identity: the engine files outcomes by
    /// action. Value equality would compare (and hash) the item, the stream record and every
    /// string in it each time, which was the largest cost of a batch after reading it.
    /// </summary>
    public bool Equals(WriteAction? other) => ReferenceEquals(this, other);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);

    /// <summary>
    /// The key's earliest record in the batch is an INSERT: the item did not exist on the source
    /// before it, so no target holds a copy that a put outside a filter would have to delete.
    /// </summary>
    public bool BeganWithInsert { get; init; }

    /// <summary>A put of an item read from a table (backfill, repair), not from the stream.</summary>
    public static WriteAction Copy(ItemKey key, IReadOnlyDictionary<string, DynamoValue> item) =>
        new(key, WriteKind.Put, item, default, null, 1, null);

    /// <summary>A delete of a key found on a target but not on the source (repair).</summary>
    public static WriteAction Remove(ItemKey key) =>
        new(key, WriteKind.Delete, key.Attributes, default, null, 1, null);
}

/// <summary>
/// A record the planner cannot turn into a write. A malformed record can be dead-lettered
/// (the record is at fault); a put from a stream with no new images cannot (the stream's
/// configuration is), so it is always a failure. <see cref="EventId"/> is the record's, if it
/// could be read, so a dead letter can name it.
/// </summary>
public sealed record PlanProblem(SequenceNumber? SequenceNumber, string Error, ReadOnlyMemory<byte> Raw, bool CanDeadLetter, string? EventId = null);

/// <summary>What a batch comes to: one action per key, and the records that could not be planned.</summary>
public sealed record ReplicationPlan(
    IReadOnlyList<WriteAction> Actions,
    IReadOnlyList<PlanProblem> Problems,
    int RecordCount,
    int SkippedTtlDeletes)
{
    /// <summary>The lowest sequence number in the batch, if any record has one.</summary>
    public SequenceNumber? FirstSequenceNumber { get; init; }

    /// <summary>Records of keys a filter rejected that need no write at all (see <see cref="WriteAction.BeganWithInsert"/>).</summary>
    public int SkippedOutsideFilter { get; init; }

    /// <summary>Multi-active only: each action's key with all of its records, in stream order (at the action's index).</summary>
    public IReadOnlyList<MultiActive.KeyChanges>? Keys { get; init; }
}
