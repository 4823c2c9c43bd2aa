using Replicator.Model;

namespace Replicator;

/// <summary>Replication latency of the changes applied to one target region: now minus each change's creation time.</summary>
public sealed record TargetLatency(string Region, IReadOnlyList<double> Milliseconds);

/// <summary>
/// What one batch came to. <see cref="FirstFailure"/> is the earliest sequence number whose effect
/// is not durable on every target: the host reports it (Lambda) or checkpoints before it (poller).
/// Records are counted by what became of the write that covers them.
/// </summary>
public sealed record BatchReport(
    int RecordsIn,
    int Keys,
    int RecordsApplied,
    int RecordsSkipped,
    int RecordsDeadLettered,
    int RecordsFailed,
    SequenceNumber? FirstFailure,
    IReadOnlyList<string> Errors,
    IReadOnlyList<TargetLatency> Latencies,
    TimeSpan Duration)
{
    /// <summary>A record failed whose place in the stream is unknown, so the whole batch must be retried.</summary>
    public bool FailedWithoutPosition { get; init; }

    public bool Succeeded => FirstFailure is null && !FailedWithoutPosition;

    /// <summary>Multi-active mode only: what was versioned, forwarded and skipped.</summary>
    public MultiActive.MultiActiveCounts? MultiActive { get; init; }

    /// <summary>Multi-active mode only: the writes of this region that lost to a concurrent write, found (and recorded) in this batch.</summary>
    public IReadOnlyList<MultiActive.Conflict> Conflicts { get; init; } = [];
}
