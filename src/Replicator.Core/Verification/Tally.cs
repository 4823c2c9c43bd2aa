using System.Collections.Concurrent;
using Replicator.Model;
using Item = System.Collections.Generic.IReadOnlyDictionary<string, Replicator.Model.DynamoValue>;

namespace Replicator.Verification;

/// <summary>One target's counts and samples, updated by many segments at once.</summary>
internal sealed class Tally(VerifyTarget target, int sampleLimit)
{
    /// <summary>At most this many repair errors are kept (the count is always whole).</summary>
    private const int MaxRepairErrors = 20;

    public readonly VerifyTarget Target = target;
    public long Compared;
    public long Matched;
    public long SettledOnReread;
    public long TargetItemsScanned;
    public long Repaired;
    public long RepairFailed;
    private readonly long[] _byKind = new long[3];
    private long _stillDifferent;
    private readonly List<DifferenceSample> _samples = [];
    private readonly List<DifferenceSample> _stillDifferentSamples = [];
    private readonly List<string> _repairErrors = [];

    /// <summary>
    /// Keys that pass one counted while the target held them (extra or different): pass two,
    /// which looks at the target's keys, must not count them again should the source lose them
    /// meanwhile. As many as such differences, so small unless the target is far off.
    /// </summary>
    private readonly ConcurrentDictionary<ItemKey, byte> _onTargetInPassOne = new();

    public bool CountedInPassOne(ItemKey key) => _onTargetInPassOne.ContainsKey(key);

    public void Found(Divergence kind, ItemKey key, Item? source, Item? target, bool passOne)
    {
        if (passOne && target is not null)
        {
            _onTargetInPassOne.TryAdd(key, 0);
        }

        Interlocked.Increment(ref _byKind[(int)kind]);
        lock (_samples)
        {
            if (_samples.Count(sample => sample.Kind == kind) < sampleLimit)
            {
                _samples.Add(Sample(kind, key, source, target));
            }
        }
    }

    public void StillDiffers(Divergence kind, ItemKey key, Item? source, Item? target)
    {
        Interlocked.Increment(ref _stillDifferent);
        lock (_stillDifferentSamples)
        {
            if (_stillDifferentSamples.Count < sampleLimit)
            {
                _stillDifferentSamples.Add(Sample(kind, key, source, target));
            }
        }
    }

    /// <summary>The key is shown on its own, so its attributes are left out of the list of differences.</summary>
    private static DifferenceSample Sample(Divergence kind, ItemKey key, Item? source, Item? target) =>
        new(kind, key, DifferenceSample.Compare(source, target).Where(attribute => !key.Attributes.ContainsKey(attribute.Name)).ToList());

    public void RepairError(string error)
    {
        lock (_repairErrors)
        {
            if (_repairErrors.Count < MaxRepairErrors)
            {
                _repairErrors.Add(error);
            }
        }
    }

    public TargetReport Report(bool repair)
    {
        lock (_samples)
        {
            var samples = _samples.OrderBy(sample => sample.Kind).ToList();
            var repairReport = repair
                ? new RepairReport(Interlocked.Read(ref Repaired), Interlocked.Read(ref RepairFailed), Interlocked.Read(ref _stillDifferent), [.. _stillDifferentSamples], [.. _repairErrors])
                : null;
            return new TargetReport(
                Target.Reader.Table,
                Interlocked.Read(ref Compared),
                Interlocked.Read(ref Matched),
                Interlocked.Read(ref _byKind[(int)Divergence.Missing]),
                Interlocked.Read(ref _byKind[(int)Divergence.Extra]),
                Interlocked.Read(ref _byKind[(int)Divergence.Different]),
                Interlocked.Read(ref SettledOnReread),
                Interlocked.Read(ref TargetItemsScanned),
                samples,
                repairReport);
        }
    }
}
