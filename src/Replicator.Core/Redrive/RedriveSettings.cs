using Replicator.Applying;

namespace Replicator.Redrive;

/// <summary>A redrive's settings; the host validates the ones a user gives.</summary>
public sealed record RedriveSettings
{
    /// <summary>SQS's ReceiveMessage returns at most 10 messages.</summary>
    public const int MaxMessagesPerReceive = 10;

    /// <summary>SQS's longest visibility timeout: 12 hours.</summary>
    public static readonly TimeSpan MaxVisibilityTimeout = TimeSpan.FromHours(12);

    /// <summary>The source table, and its identity if known: an on-failure record must be of this table's stream.</summary>
    public required TargetTable Source { get; init; }

    public TableIdentity? SourceIdentity { get; init; }

    /// <summary>Stop after this many letters (null: until the queue answers empty).</summary>
    public int? MaxMessages { get; init; }

    /// <summary>List what would be written; write nothing, delete nothing, and make every letter visible again at the end.</summary>
    public bool DryRun { get; init; }

    /// <summary>
    /// How long a received letter stays hidden: a letter that fails comes back after this, and so
    /// does one whose run crashed between its write and its delete. Longer than one batch's writes.
    /// </summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long one batch's writes to a target may take, retries of throttled writes included.</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Multi-active mode: the writers guard every copy by version (a write never lands over a newer
    /// one, so no re-read is needed), and a key the source no longer has is not deleted from the
    /// target: a delete there needs its version and tombstone, which the source's replicator forwards.
    /// </summary>
    public bool MultiActive { get; init; }

    /// <summary>Write, read the source again, write again while it changed in between: at most this many rounds.</summary>
    public int MaxRounds { get; init; } = 5;

    /// <summary>A source read that makes no progress for this long (throttled, failing) stops the run with an error.</summary>
    public TimeSpan ReadGiveUpAfter { get; init; } = ReplicationOptions.DefaultReadGiveUpAfter;

    public TimeSpan BaseRetryDelay { get; init; } = ReplicationOptions.DefaultBaseRetryDelay;

    public TimeSpan MaxRetryDelay { get; init; } = ReplicationOptions.DefaultMaxRetryDelay;
}
