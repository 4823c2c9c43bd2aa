using Replicator.Retrying;

namespace Replicator.Streams;

/// <summary>What the poller's supervisor and its shard readers share.</summary>
internal sealed class PollerParts(
    IStreamsApi api,
    ReplicationEngine engine,
    CheckpointLedger checkpoints,
    PollerSettings settings,
    TimeProvider time,
    Random random,
    Action<string> log)
{
    private long _lastActivity = time.GetUtcNow().UtcTicks;

    public IStreamsApi Api => api;

    public ReplicationEngine Engine => engine;

    public CheckpointLedger Checkpoints => checkpoints;

    public PollerSettings Settings => settings;

    public TimeProvider Time => time;

    public Retry Retry { get; } = new(settings.BaseRetryDelay, settings.MaxRetryDelay, time, random);

    public PollerProgress Progress { get; } = new();

    public RetentionWatch Retention { get; } = new(settings.RetentionWarning);

    public Action<string> Log => log;

    /// <summary>GetRecords and GetShardIterator calls in flight, over all shards (<see cref="PollerSettings.MaxConcurrentReads"/>).</summary>
    public SemaphoreSlim Reads { get; } = new(settings.MaxConcurrentReads, settings.MaxConcurrentReads);

    /// <summary>Batches being applied, over all shards (<see cref="PollerSettings.MaxConcurrentApplies"/>).</summary>
    public SemaphoreSlim Applies { get; } = new(settings.MaxConcurrentApplies, settings.MaxConcurrentApplies);

    /// <summary>When the last record arrived (or the run started), for the idle check.</summary>
    public DateTimeOffset LastActivity => new(Interlocked.Read(ref _lastActivity), TimeSpan.Zero);

    public void Touch() => Interlocked.Exchange(ref _lastActivity, time.GetUtcNow().UtcTicks);
}
