using Replicator.Model;
using Replicator.Planning;
using Item = System.Collections.Generic.IReadOnlyDictionary<string, Replicator.Model.DynamoValue>;

namespace Replicator.Filtering;

/// <summary>
/// What of a source table a deployment replicates: the items its <see cref="Filter"/> matches,
/// with the attributes its <see cref="Projection"/> keeps. Every path that writes a target
/// (replicate, backfill, verify --repair, redrive) goes through one selection, so they agree on
/// what a target should hold: for each source item, <see cref="Select"/> of it, or nothing.
/// <see cref="All"/> selects everything and is never asked to do anything (the hot path stays as
/// it was: no decoding, no allocation).
/// </summary>
public sealed class ItemSelection
{
    public static readonly ItemSelection All = new(null, null);

    public ItemSelection(ItemFilter? filter, AttributeProjection? projection)
    {
        Filter = filter;
        Projection = projection;
    }

    public ItemFilter? Filter { get; }

    public AttributeProjection? Projection { get; }

    public bool IsAll => Filter is null && Projection is null;

    /// <summary>What a target holds for a source item: the item projected, or null when the filter does not match it.</summary>
    public Item? Select(Item item, ItemKey key)
    {
        if (Filter is not null && !Filter.Matches(item))
        {
            return null;
        }

        return Projection is null ? item : Projection.Apply(item, key);
    }

    /// <summary>
    /// The write that brings a target in line with this action's new image: a put of an image the
    /// filter does not match becomes a delete of its key (the item left the selection, or was never
    /// in it: deleting an absent item is harmless), a matching one is put projected; a delete stays.
    /// </summary>
    public WriteAction Apply(WriteAction action)
    {
        if (action.Kind == WriteKind.Delete)
        {
            return action;
        }

        return Select(action.Item, action.Key) is { } selected
            ? ReferenceEquals(selected, action.Item) ? action : action with { Item = selected }
            : action with { Kind = WriteKind.Delete, Item = action.Key.Attributes };
    }

    /// <summary>
    /// Every action of <paramref name="plan"/> through <see cref="Apply(WriteAction)"/>; the plan
    /// itself when this selects everything. An image whose values cannot be read (the filter must
    /// read them) becomes a problem of the plan, dead-lettered like any unreadable record.
    /// </summary>
    public ReplicationPlan Apply(ReplicationPlan plan)
    {
        if (IsAll)
        {
            return plan;
        }

        var actions = new List<WriteAction>(plan.Actions.Count);
        List<PlanProblem>? problems = null;
        var skipped = 0;
        foreach (var action in plan.Actions)
        {
            try
            {
                var applied = Apply(action);
                if (action.Kind == WriteKind.Put && applied.Kind == WriteKind.Delete && action.BeganWithInsert)
                {
                    // Outside the filter since the item was created: no target holds it, and a
                    // delete would cost a write on every target for every record the filter rejects.
                    skipped += action.RecordCount;
                    continue;
                }

                actions.Add(applied);
            }
            catch (System.Text.Json.JsonException e) when (action.LastRecord is { } record)
            {
                problems ??= [.. plan.Problems];
                problems.Add(new PlanProblem(record.SequenceNumber, $"record {record.EventId} (SequenceNumber {record.SequenceNumber}): its NewImage cannot be read for the filter: {e.Message}", record.Raw, CanDeadLetter: true, record.EventId));
            }
        }

        return plan with { Actions = actions, Problems = problems ?? plan.Problems, SkippedOutsideFilter = plan.SkippedOutsideFilter + skipped };
    }

    public override string ToString() =>
        IsAll ? "everything" : string.Join("; ", new[] { Filter is null ? null : $"filter {Filter}", Projection?.ToString() }.Where(part => part is not null));
}
