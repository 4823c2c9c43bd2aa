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

    /// <summary>An SQS message body is at most 1 MiB (a queue may be set to take less).</summary>
    public const int MaxMessageBytes = 1024 * 1024;

    /// <summary>Lambda runs a function for at most 15 minutes: the deadline when the runtime API gives none.</summary>
    public static readonly TimeSpan MaxFunctionTimeout = TimeSpan.FromMinutes(15);

    /// <summary>CloudWatch's embedded metric format takes at most 100 values for one metric in one line.</summary>
    public const int MaxValuesPerMetric = 100;

    // ---- DynamoDB Streams and the poller -------------------------------------------------------

    /// <summary>A stream keeps each record for 24 hours; after that it is trimmed.</summary>
    public static readonly TimeSpan StreamRetention = TimeSpan.FromHours(24);

    /// <summary>
    /// Warn when a shard's oldest unreplicated change is older than this fraction of
    /// <see cref="StreamRetention"/>: at 0.5, after 12 hours, which leaves 12 to find and fix the cause.
    /// </summary>
    public const double DefaultRetentionWarning = 0.5;

    /// <summary>
    /// <c>status --watch</c> reads a shard at most once a second, with one GetRecords in flight in all:
    /// DynamoDB allows about 5 GetRecords a second per shard, and a reader (replicate, or Lambda's
    /// mapping) polls an idle shard four times a second.
    /// </summary>
    public static readonly TimeSpan WatchReadGap = TimeSpan.FromSeconds(1);

    /// <summary>GetRecords returns at most 1,000 records a page.</summary>
    public const int MaxRecordsPerPage = 1000;

    /// <summary>Wait after an empty GetRecords before asking the same shard again: four polls a second, as Lambda polls.</summary>
    public static readonly TimeSpan DefaultIdleDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest idle delay a user may ask for.</summary>
    public static readonly TimeSpan MaxIdleDelay = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Empty GetRecords pages in a row before a shard counts as caught up (for <c>--stop-after-idle</c>
    /// and for an exact "0 behind" in <c>status</c>). DynamoDB documents that a shard can answer empty
    /// before records that exist ("it might take multiple calls to get to a portion of the shard that
    /// contains stream records") and gives no bound; each empty page moves the iterator on. Three
    /// pages in a row is under a second at the default idle delay and three calls in <c>status</c>,
    /// cheap either way; the poller's idle stop also needs the whole idle window without a record,
    /// during which it keeps reading every shard.
    /// </summary>
    public const int EmptyPagesToCatchUp = 3;

    /// <summary>
    /// The poller writes its checkpoint file at most this often (and whenever it stops): one write for
    /// every shard's progress, not one fsync per batch per shard (at 256 shards, over a thousand a
    /// second). A crash re-applies at most about this much, which is harmless (bench/scale-poller.py).
    /// </summary>
    public static readonly TimeSpan DefaultCheckpointInterval = TimeSpan.FromSeconds(1);

    /// <summary>DynamoDB Streams answers at most 5 GetRecords a second per shard: a reader calls at most this often.</summary>
    public static readonly TimeSpan MinShardReadInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// DynamoDB answers DescribeStream at most 10 times a second (each page of up to 100 shards a
    /// call), and a stream lists its closed shards for 24 hours: when readers end, the poller lists
    /// the shards again no sooner than this per page of the last listing (100 ms for one page, 600 ms
    /// for 512 shards), rather than once for each of the hundreds that end together at a roll.
    /// </summary>
    public static readonly TimeSpan DescribeStreamPageInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>DescribeStream lists at most 100 shards a page.</summary>
    public const int DescribeStreamPageShards = 100;

    /// <summary>GetRecords (and GetShardIterator) calls the poller has in flight at once, over all its shards: also the Streams client's connections.</summary>
    public const int DefaultPollerMaxConcurrentReads = 32;

    /// <summary>Batches the poller applies at once, over all its shards (each may send up to <see cref="DefaultMaxConcurrentRequests"/> requests).</summary>
    public const int DefaultPollerMaxConcurrentApplies = 16;

    /// <summary>How often the poller looks for new shards (a shard splits about every four hours on AWS).</summary>
    public static readonly TimeSpan DefaultDiscoveryInterval = TimeSpan.FromSeconds(10);

    /// <summary>The deadline the engine gets for one batch the poller read, retries included.</summary>
    public static readonly TimeSpan DefaultBatchTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The poller's first wait after a failed read or batch; it doubles from there.</summary>
    public static readonly TimeSpan DefaultPollerBaseRetryDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>The poller's longest wait between retries of a read or a batch that keeps failing.</summary>
    public static readonly TimeSpan DefaultPollerMaxRetryDelay = TimeSpan.FromSeconds(10);

    // ---- Scans: verify and backfill ------------------------------------------------------------

    /// <summary>Default number of parallel scan segments per table.</summary>
    public const int DefaultScanSegments = 4;

    /// <summary>Scan segments a user may ask for: plenty for one process (the service allows <see cref="MaxScanSegments"/>).</summary>
    public const int MaxUserScanSegments = 1000;

    /// <summary>Scan segments read at once per table; more segments than this are read this many at a time.</summary>
    public const int MaxConcurrentSegments = 256;

    /// <summary>A read (scan, get) that makes no progress for this long, throttled or failing, stops verify or backfill with an error.</summary>
    public static readonly TimeSpan DefaultReadGiveUpAfter = TimeSpan.FromMinutes(2);

    /// <summary>Time one scanned page's copies may take (backfill), retries of throttled writes included, before the backfill stops (resumable).</summary>
    public static readonly TimeSpan DefaultCopyTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Time one batch of repair writes may take (verify --repair), retries included, before it counts as failed.</summary>
    public static readonly TimeSpan DefaultRepairTimeout = TimeSpan.FromMinutes(10);

    /// <summary>How long verify waits after a first read that differs before reading both sides again.</summary>
    public static readonly TimeSpan DefaultSettle = TimeSpan.FromSeconds(1);

    /// <summary>Differences verify keeps as samples, per kind and target (the counts are always whole).</summary>
    public const int DefaultSampleLimit = 5;

    /// <summary>Consistent GetItem re-reads in flight at once, per scan segment.</summary>
    public const int DefaultMaxConcurrentRereads = 16;

    /// <summary>BatchGetItem requests in flight at once, per scan segment and table.</summary>
    public const int DefaultMaxConcurrentBatchGets = 4;

    /// <summary>The reserved attribute that holds an item's multi-active metadata.</summary>
    public const string DefaultMetadataAttribute = "_replication";

    /// <summary>
    /// Tombstones are kept a week: the stream's 24 hours, and six days of outage that a replicator
    /// can be down and still resume safely.
    /// </summary>
    public static readonly TimeSpan DefaultTombstoneRetention = TimeSpan.FromDays(7);

    /// <summary>A tombstone must outlive every stream record (24 hours), with an hour to spare for a slow batch.</summary>
    public static readonly TimeSpan MinTombstoneRetention = StreamRetention + TimeSpan.FromHours(1);

    /// <summary>Conflicts stay listable for 90 days.</summary>
    public static readonly TimeSpan DefaultConflictRetention = TimeSpan.FromDays(90);

    /// <summary>
    /// Multi-active applies up to a Lambda batch's 1,000 keys at once (each a few sequential
    /// conditional writes, which no batch request can carry), so a batch takes a key's round
    /// trips, not a thousand of them.
    /// </summary>
    public const int DefaultMaxConcurrentKeys = 1_000;
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
