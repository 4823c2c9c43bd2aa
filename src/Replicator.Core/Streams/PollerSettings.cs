namespace Replicator.Streams;

public enum StartPosition : byte { TrimHorizon, Latest }

/// <summary>How the poller runs. Defaults suit DynamoDB Streams (GetRecords at most about 5 times a second per shard).</summary>
public sealed record PollerSettings
{
    public required string StreamArn { get; init; }

    /// <summary>Where to start shards that have no checkpoint yet, on the first run only.</summary>
    public StartPosition StartAt { get; init; } = StartPosition.TrimHorizon;

    /// <summary>Wait after an empty GetRecords before asking the same shard again.</summary>
    public TimeSpan IdleDelay { get; init; } = ReplicationOptions.DefaultIdleDelay;

    /// <summary>How often to look for new shards (a shard splits about every four hours on AWS).</summary>
    public TimeSpan DiscoveryInterval { get; init; } = ReplicationOptions.DefaultDiscoveryInterval;

    /// <summary>
    /// Stop once every shard is caught up (<see cref="ReplicationOptions.EmptyPagesToCatchUp"/> empty
    /// pages in a row) and no record arrived for this long; null runs until cancelled.
    /// </summary>
    public TimeSpan? StopAfterIdle { get; init; }

    /// <summary>The deadline the engine gets for one batch, retries included.</summary>
    public TimeSpan BatchTimeout { get; init; } = ReplicationOptions.DefaultBatchTimeout;

    public TimeSpan BaseRetryDelay { get; init; } = ReplicationOptions.DefaultPollerBaseRetryDelay;

    public TimeSpan MaxRetryDelay { get; init; } = ReplicationOptions.DefaultPollerMaxRetryDelay;

    /// <summary>When readers end (a roll ends every shard's at once), the shards are listed again no sooner than this for each page the last listing took.</summary>
    public TimeSpan DescribeStreamPageInterval { get; init; } = ReplicationOptions.DescribeStreamPageInterval;

    /// <summary>Write the checkpoint at most this often, for every shard at once, and whenever the poller stops (zero: after every batch).</summary>
    public TimeSpan CheckpointInterval { get; init; } = ReplicationOptions.DefaultCheckpointInterval;

    /// <summary>The shortest time between two GetRecords on one shard (DynamoDB answers at most 5 a second per shard).</summary>
    public TimeSpan MinShardReadInterval { get; init; } = ReplicationOptions.MinShardReadInterval;

    /// <summary>GetRecords and GetShardIterator calls in flight at once over all shards.</summary>
    public int MaxConcurrentReads { get; init; } = ReplicationOptions.DefaultPollerMaxConcurrentReads;

    /// <summary>Batches applied at once over all shards.</summary>
    public int MaxConcurrentApplies { get; init; } = ReplicationOptions.DefaultPollerMaxConcurrentApplies;

    /// <summary>Log a warning when a shard's oldest unreplicated change passes this fraction of the stream's retention (0 to 1, exclusive).</summary>
    public double RetentionWarning { get; init; } = ReplicationOptions.DefaultRetentionWarning;
}
