using Replicator.Applying;
using Replicator.Model;
using Replicator.Planning;

namespace Replicator.Redrive;

/// <summary>A letter left in its queue, why, and the keys it concerns (those it could learn).</summary>
public sealed record KeptLetter(string MessageId, KeptReason Reason, string Detail, IReadOnlyList<ItemKey> Keys);

/// <summary>A write a dry run would have made.</summary>
public sealed record PlannedWrite(TargetTable Target, ItemKey Key, WriteKind Kind);

/// <summary>Items put and deleted on one target.</summary>
public sealed record TargetCount(TargetTable Target, long Written, long Deleted);

/// <summary>
/// What a redrive did: letters read, redriven (written and deleted from the queue; in a dry run,
/// those that would be), kept with their reasons; per target, items put and deleted; in a dry
/// run, every write it would have made.
/// </summary>
public sealed record RedriveReport(bool DryRun, int LettersRead, int Redriven, IReadOnlyList<KeptLetter> Kept, IReadOnlyList<TargetCount> Targets, IReadOnlyList<PlannedWrite> Planned)
{
    /// <summary>Every letter read was redriven.</summary>
    public bool Succeeded => Kept.Count == 0;

    public IReadOnlyDictionary<KeptReason, int> KeptByReason =>
        Kept.GroupBy(letter => letter.Reason).OrderBy(group => group.Key).ToDictionary(group => group.Key, group => group.Count());
}
