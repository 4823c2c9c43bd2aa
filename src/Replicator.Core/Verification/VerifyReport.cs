using Replicator.Applying;
using Replicator.Model;

namespace Replicator.Verification;

/// <summary>
/// What verify found on one target. <see cref="Compared"/> counts the source's items checked
/// against this target, of which <see cref="Matched"/> were the same; every other one is counted
/// as <see cref="Missing"/>, <see cref="Different"/>, or (deleted from the source meanwhile)
/// <see cref="Extra"/>. <see cref="SettledOnReread"/> counts keys that differed at first but agreed
/// when both sides were read again (a change in flight): they are not differences.
/// </summary>
public sealed record TargetReport(
    TargetTable Target,
    long Compared,
    long Matched,
    long Missing,
    long Extra,
    long Different,
    long SettledOnReread,
    long TargetItemsScanned,
    IReadOnlyList<DifferenceSample> Samples,
    RepairReport? Repair)
{
    public long Differences => Missing + Extra + Different;
}

/// <summary>
/// What <c>--repair</c> did on one target: writes applied (the source's consistent image put, or
/// the extra item deleted), writes that failed even after retries, and keys that the re-check
/// after the write still found different (the source changed again meanwhile, say).
/// </summary>
public sealed record RepairReport(long Repaired, long Failed, long StillDifferent, IReadOnlyList<DifferenceSample> StillDifferentSamples, IReadOnlyList<string> Errors)
{
    public bool Succeeded => Failed == 0 && StillDifferent == 0;
}

/// <summary>The whole verification: the source's items scanned, a report per target, how long it took.</summary>
public sealed record VerifyReport(TargetTable Source, long SourceItems, IReadOnlyList<TargetReport> Targets, TimeSpan Elapsed, bool Repaired)
{
    public long Missing => Targets.Sum(target => target.Missing);

    public long Extra => Targets.Sum(target => target.Extra);

    public long Different => Targets.Sum(target => target.Different);

    public long Differences => Missing + Extra + Different;

    /// <summary>Every target held exactly the source's items (each at the moment of its read or re-read).</summary>
    public bool Identical => Differences == 0;

    /// <summary>Identical, or (with repair) every difference was repaired and re-checked equal.</summary>
    public bool Succeeded => Identical || (Repaired && Targets.All(target => target.Repair is null || target.Repair.Succeeded));

    /// <summary>Items read per second over both passes (the source's items and the targets' keys).</summary>
    public double ItemsPerSecond => Elapsed > TimeSpan.Zero ? (SourceItems + Targets.Sum(target => target.TargetItemsScanned)) / Elapsed.TotalSeconds : 0;
}
