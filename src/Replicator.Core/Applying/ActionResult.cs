using Replicator.Planning;

namespace Replicator.Applying;

/// <summary>What became of one action on one target.</summary>
public enum ActionStatus : byte
{
    /// <summary>Durable on the target.</summary>
    Applied,

    /// <summary>A guarded write whose condition the target's item did not meet: the target holds a newer change, which stands.</summary>
    Superseded,

    /// <summary>The target refused the item itself; it goes to the dead-letter queue.</summary>
    Poison,

    /// <summary>Not durable: a fatal refusal, or retries ran out at the deadline.</summary>
    Failed,
}

/// <summary>What became of one action on one target; <see cref="Error"/> says why, unless it was applied.</summary>
public readonly record struct ActionResult(WriteAction Action, ActionStatus Status, string? Error);
