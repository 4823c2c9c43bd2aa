using System.Globalization;

namespace Replicator.Streams;

/// <summary>
/// The warning that a shard's oldest unreplicated change has passed a fraction of the stream's
/// 24-hour retention: at 24 hours the stream trims it, and a change never replicated is lost.
/// <c>replicate</c> logs it (<see cref="RetentionWatch"/>), <c>status</c> shows it; both word it here.
/// </summary>
public static class RetentionWarning
{
    /// <summary>The age past which <paramref name="fraction"/> warns.</summary>
    public static TimeSpan Threshold(double fraction) => ReplicationOptions.StreamRetention * fraction;

    /// <summary>The warning for a shard whose oldest unreplicated change is <paramref name="age"/> old, or null when it is within the threshold.</summary>
    public static string? For(string shardId, TimeSpan? age, double fraction) =>
        age is { } old && old > Threshold(fraction) ? Message(shardId, old, fraction) : null;

    public static string Message(string shardId, TimeSpan age, double fraction) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"warning: shard {shardId}: the oldest unreplicated change is {age.TotalHours:0.0} h old, past {fraction * 100:0.#}% of the stream's {Hours} h retention; at {Hours} h records are lost. ") +
        "Find why replication is behind and fix it now: is replicate running, and is its log free of errors (a target throttling or refusing writes, a batch retried again and again)? " +
        "replicator status shows what is behind, per shard. If the shard cannot catch up in time, plan a replicator backfill of the targets.";

    private static double Hours => ReplicationOptions.StreamRetention.TotalHours;
}
