namespace Replicator.Cli;

/// <summary>One shard in one refresh of <c>status --watch</c>. <paramref name="Lag"/>: the chart's slices, oldest first (seconds; null before the watch started).</summary>
internal sealed record ShardWatch(
    string ShardId,
    string State,
    int Behind,
    bool AtLeast,
    TimeSpan? OldestAge,
    double? RecordsPerSecond,
    IReadOnlyList<double?> Lag,
    string? Warning,
    string? Error);

/// <summary>One target region in one refresh, from replicate's progress file: writes a second (one a key a batch) and the last batch's lag.</summary>
internal sealed record TargetWatch(string Region, double? WritesPerSecond, double? LastLagMs);

/// <summary>Where replicate's progress file stands: written within the last few seconds, older (replicate stopped), or none.</summary>
internal enum ReplicateState : byte { Running, Stale, Unknown }

/// <summary>One refresh of <c>status --watch</c>. <paramref name="DataLost"/> is the poller's own "data was lost" error, if one applies.</summary>
internal sealed record WatchFrame(
    DateTimeOffset At,
    string StreamArn,
    ReplicateState Replicate,
    IReadOnlyList<ShardWatch> Shards,
    IReadOnlyList<TargetWatch> Targets,
    string? DataLost);
