namespace Replicator.Streams;

public enum PollerStop : byte
{
    /// <summary>Cancelled (Ctrl-C): the batch in flight finished and its checkpoint was written.</summary>
    Cancelled,

    /// <summary>Every shard caught up and idle for <see cref="PollerSettings.StopAfterIdle"/>.</summary>
    Idle,

    /// <summary>Replication cannot go on (data lost from the stream, stream gone, access denied, a shard reader that failed).</summary>
    Failed,
}

public sealed record PollerOutcome(PollerStop Stop, string? Error, bool ShardsFailing);
