using Replicator.Applying;
using Replicator.Model;

namespace Replicator.Verification;

/// <summary>How a key differs between the source and a target, as the consistent re-read saw it.</summary>
public enum Divergence : byte
{
    /// <summary>On the source, not on the target.</summary>
    Missing,

    /// <summary>On the target, not on the source.</summary>
    Extra,

    /// <summary>On both, with different attributes.</summary>
    Different,
}

/// <summary>One attribute that differs: its value on each side, null where the item lacks it (or the item is absent).</summary>
public sealed record AttributeDifference(string Name, DynamoValue? Source, DynamoValue? Target);

/// <summary>A difference to show: the key, and every other attribute that differs (for a missing or extra item, all of them).</summary>
public sealed record DifferenceSample(Divergence Kind, ItemKey Key, IReadOnlyList<AttributeDifference> Attributes)
{
    /// <summary>
    /// The attributes on which two images of an item differ, by name (ordinal), compared semantically
    /// (<see cref="DynamoValue.Equals(DynamoValue?)"/>: sets unordered, numbers as decimals, binary as bytes).
    /// An absent image has no attributes.
    /// </summary>
    public static IReadOnlyList<AttributeDifference> Compare(IReadOnlyDictionary<string, DynamoValue>? source, IReadOnlyDictionary<string, DynamoValue>? target)
    {
        var names = (source?.Keys ?? []).Union(target?.Keys ?? [], StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var result = new List<AttributeDifference>();
        foreach (var name in names)
        {
            var left = source?.GetValueOrDefault(name);
            var right = target?.GetValueOrDefault(name);
            if (left is null ? right is not null : !left.Equals(right))
            {
                result.Add(new AttributeDifference(name, left, right));
            }
        }

        return result;
    }

    /// <summary>What the two images come to: null when they are the same item (or both absent).</summary>
    public static Divergence? Classify(IReadOnlyDictionary<string, DynamoValue>? source, IReadOnlyDictionary<string, DynamoValue>? target) => (source, target) switch
    {
        (null, null) => null,
        (not null, null) => Divergence.Missing,
        (null, not null) => Divergence.Extra,
        _ => DynamoValue.MapsEqual(source, target) ? null : Divergence.Different,
    };
}

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

/// <summary>Live counters for a progress display, updated by the verifier as it goes.</summary>
public sealed class VerifyProgress
{
    private long _scanned;
    private long _differences;
    private long _total;
    private string _phase = "Starting";

    /// <summary>Items read by the scans so far (the source's, then each target's).</summary>
    public long ItemsScanned => Interlocked.Read(ref _scanned);

    /// <summary>What all the scans will read, by DynamoDB's approximate item counts (0 when unknown).</summary>
    public long ApproximateTotal => Interlocked.Read(ref _total);

    /// <summary>Differences confirmed so far.</summary>
    public long Differences => Interlocked.Read(ref _differences);

    /// <summary>What is going on: Describing, Comparing (pass one, the source's items), Extras on TABLE (pass two), Done.</summary>
    public string Phase => Volatile.Read(ref _phase);

    internal void Scanned(long items) => Interlocked.Add(ref _scanned, items);

    internal void Differed() => Interlocked.Increment(ref _differences);

    internal void Expect(long total) => Interlocked.Exchange(ref _total, total);

    internal void Enter(string phase) => Volatile.Write(ref _phase, phase);
}
