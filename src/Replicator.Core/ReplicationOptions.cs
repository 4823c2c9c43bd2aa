namespace Replicator;

/// <summary>What to do with deletes that DynamoDB's time-to-live made.</summary>
public enum TtlDeletes : byte { Replicate, Skip }

/// <summary>
/// Service limits and defaults in one place, each with where it comes from. Settings that a host
/// reads from its configuration live in <see cref="ReplicationSettings"/>.
/// </summary>
public static class ReplicationOptions
{
    /// <summary>BatchWriteItem takes at most 25 put or delete requests.</summary>
    public const int MaxBatchWriteItems = 25;

    /// <summary>BatchGetItem takes at most 100 keys.</summary>
    public const int MaxBatchGetKeys = 100;

    /// <summary>A parallel scan has at most 1,000,000 segments (Scan's TotalSegments).</summary>
    public const int MaxScanSegments = 1_000_000;

    /// <summary>DynamoDB nests maps and lists at most 32 levels deep.</summary>
    public const int MaxNestingDepth = 32;

    /// <summary>An item is at most 400 KB, attribute names and values together.</summary>
    public const int MaxItemSizeBytes = 400 * 1024;

    /// <summary>A sequence number is 21 to 40 digits (DynamoDB Streams API reference).</summary>
    public const int MaxSequenceNumberDigits = 40;

    /// <summary>The principal DynamoDB names on deletes made by time-to-live.</summary>
    public const string TtlPrincipal = "dynamodb.amazonaws.com";

    /// <summary>Default number of write requests in flight per target table.</summary>
    public const int DefaultMaxConcurrentRequests = 64;

    /// <summary>Dead letters sent at once: a batch whose every record is poison (a target with another key schema) still ends in time.</summary>
    public const int MaxConcurrentDeadLetters = 16;

    /// <summary>First retry waits about this long; each later one up to twice as long (full jitter).</summary>
    public static readonly TimeSpan DefaultBaseRetryDelay = TimeSpan.FromMilliseconds(50);

    /// <summary>No single wait between retries is longer than this.</summary>
    public static readonly TimeSpan DefaultMaxRetryDelay = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Time kept back from the host's deadline to dead-letter, respond and log. Lambda stops the
    /// function at the deadline; work cut off there would be reported by nobody.
    /// </summary>
    public static readonly TimeSpan DefaultDeadlineReserve = TimeSpan.FromSeconds(3);
}

/// <summary>The engine's settings, validated by the host at start-up.</summary>
public sealed record ReplicationSettings
{
    public TtlDeletes TtlDeletes { get; init; } = TtlDeletes.Replicate;

    public int MaxConcurrentRequests { get; init; } = ReplicationOptions.DefaultMaxConcurrentRequests;

    public TimeSpan BaseRetryDelay { get; init; } = ReplicationOptions.DefaultBaseRetryDelay;

    public TimeSpan MaxRetryDelay { get; init; } = ReplicationOptions.DefaultMaxRetryDelay;

    public TimeSpan DeadlineReserve { get; init; } = ReplicationOptions.DefaultDeadlineReserve;
}
