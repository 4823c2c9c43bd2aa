namespace Replicator.Redrive;

/// <summary>Why a letter stays in its queue. Each is reported with what the operator can do.</summary>
public enum KeptReason : byte
{
    /// <summary>No readable key: a truncated letter, a record that is not JSON, no <c>dynamodb.Keys</c>.</summary>
    NoKey,

    /// <summary>The letter names a target not given as <c>--target</c>: the operator must name it.</summary>
    UnknownTarget,

    /// <summary>The letter's key does not have the source's key attributes.</summary>
    KeySchema,

    /// <summary>An on-failure record of a stream that is not the source's.</summary>
    WrongStream,

    /// <summary>The stream no longer holds the whole range (past retention), or some of its keys cannot be read: <c>verify --repair</c>.</summary>
    RangeLost,

    /// <summary>A write to a target failed again (the cause is not fixed, or the target refused or throttled past the deadline).</summary>
    WriteFailed,

    /// <summary>The source kept changing while the redrive wrote: left for the next run.</summary>
    SourceChanging,

    /// <summary>Multi-active: the source no longer has the item, and a redrive forwards no deletes (the source's replicator does, with its tombstone).</summary>
    MultiActiveDelete,

    /// <summary>Written, but SQS did not delete the message: a rerun redrives it again, harmlessly.</summary>
    DeleteFailed,

    /// <summary>Neither a dead letter nor an on-failure record.</summary>
    Unrecognised,
}

/// <summary>The names reasons have in reports (<c>--output json</c>, the text table).</summary>
public static class KeptReasons
{
    public static string Name(KeptReason reason) => reason switch
    {
        KeptReason.NoKey => "no-key",
        KeptReason.UnknownTarget => "unknown-target",
        KeptReason.KeySchema => "key-schema",
        KeptReason.WrongStream => "wrong-stream",
        KeptReason.RangeLost => "needs-verify-repair",
        KeptReason.WriteFailed => "write-failed",
        KeptReason.SourceChanging => "source-changing",
        KeptReason.MultiActiveDelete => "multi-active-delete",
        KeptReason.DeleteFailed => "delete-failed",
        KeptReason.Unrecognised => "unrecognised",
        _ => reason.ToString(),
    };
}
