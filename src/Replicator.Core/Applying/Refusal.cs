namespace Replicator.Applying;

public enum TargetErrorKind : byte
{
    /// <summary>Throttling, 5xx, a dropped connection: worth trying again.</summary>
    Retryable,

    /// <summary>The service refused the item itself (validation, too large): it will never apply.</summary>
    Poison,

    /// <summary>Not the record's fault and not worth retrying now (access denied, no such table, a key schema the items do not fit).</summary>
    Fatal,
}

/// <summary>Why a target did not take a write, classified for the engine; the message names the operation and the table.</summary>
public sealed record Refusal(TargetErrorKind Kind, string Message);
