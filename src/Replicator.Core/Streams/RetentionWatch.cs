using System.Collections.Concurrent;

namespace Replicator.Streams;

/// <summary>
/// Says once when a shard's oldest unreplicated change crosses the retention warning's threshold,
/// not on every batch while it stays past it; once the shard is back within it (it caught up, or
/// the old changes were replicated), the next crossing warns again. Safe to call from every shard's reader.
/// </summary>
public sealed class RetentionWatch(double fraction)
{
    private readonly ConcurrentDictionary<string, bool> _past = new(StringComparer.Ordinal);

    /// <summary>
    /// The shard's oldest unreplicated change as of <paramref name="now"/> (null: nothing is
    /// unreplicated, the shard is caught up). Returns the warning to log if this is a crossing.
    /// </summary>
    public string? Observe(string shardId, DateTimeOffset? oldestUnreplicated, DateTimeOffset now)
    {
        var warning = RetentionWarning.For(shardId, now - oldestUnreplicated, fraction);
        var wasPast = _past.GetValueOrDefault(shardId);
        _past[shardId] = warning is not null;
        return wasPast ? null : warning;
    }
}
