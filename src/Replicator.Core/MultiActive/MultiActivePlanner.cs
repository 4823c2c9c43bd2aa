using Replicator.Model;
using Replicator.Parsing;
using Replicator.Planning;

namespace Replicator.MultiActive;

/// <summary>
/// Groups a batch by key for multi-active replication, each key's records in stream order (by
/// sequence number, compared as integers): one action per key, which covers all of them. Unlike
/// one-way, nothing coalesces away here, because the replicator's own records still say which
/// of this region's versions lost a conflict. A record that cannot be versioned (no creation
/// time, or a stream that does not carry both images) is a problem, as in one-way.
/// </summary>
public static class MultiActivePlanner
{
    public static ReplicationPlan Plan(ParsedBatch batch)
    {
        var problems = batch.Malformed.Select(Planner.Unreadable).ToList();
        SequenceNumber? first = null;
        foreach (var malformed in batch.Malformed)
        {
            first = Planner.Min(first, malformed.SequenceNumber);
        }

        var byKey = new Dictionary<ItemKey, List<ChangeRecord>>();
        var order = new List<ItemKey>();
        foreach (var record in batch.Records)
        {
            first = Planner.Min(first, record.SequenceNumber);
            if (Problem(record) is { } problem)
            {
                problems.Add(problem);
                continue;
            }

            if (!byKey.TryGetValue(record.Key, out var records))
            {
                byKey.Add(record.Key, records = []);
                order.Add(record.Key);
            }

            records.Add(record);
        }

        var keys = order.ConvertAll(key => new KeyChanges(key, [.. byKey[key].OrderBy(record => record.SequenceNumber)]));
        var actions = keys.ConvertAll(Action);
        return new ReplicationPlan(actions, problems, batch.Count, SkippedTtlDeletes: 0) { FirstSequenceNumber = first, Keys = keys };
    }

    private static WriteAction Action(KeyChanges changes)
    {
        var last = changes.Records[^1];
        var earliest = changes.Records.Min(record => record.ApproximateCreationTime);
        return last.Kind == ChangeKind.Remove
            ? new WriteAction(changes.Key, WriteKind.Delete, changes.Key.Attributes, changes.Records[0].SequenceNumber, last, changes.Records.Count, earliest)
            : new WriteAction(changes.Key, WriteKind.Put, last.NewImage!, changes.Records[0].SequenceNumber, last, changes.Records.Count, earliest);
    }

    private static PlanProblem? Problem(ChangeRecord record)
    {
        var name = $"record {record.EventId} (SequenceNumber {record.SequenceNumber})";
        if (record.ViewType is not (StreamViewType.NewAndOldImages or StreamViewType.Unknown))
        {
            return new PlanProblem(record.SequenceNumber,
                $"{name} comes from a stream whose view type is not NEW_AND_OLD_IMAGES; multi-active replication needs both images of every change to tell its own writes from the application's. Set the table's stream view type to NEW_AND_OLD_IMAGES.",
                record.Raw, CanDeadLetter: false, record.EventId);
        }

        if (record.Kind != ChangeKind.Remove && record.NewImage is null)
        {
            return Planner.NoNewImage(record);
        }

        if (record.Kind != ChangeKind.Insert && record.OldImage is null)
        {
            return new PlanProblem(record.SequenceNumber, $"{name} is a {record.Kind.ToString().ToUpperInvariant()} without an OldImage.", record.Raw, CanDeadLetter: true, record.EventId);
        }

        return record.ApproximateCreationTime is null
            ? new PlanProblem(record.SequenceNumber, $"{name} has no ApproximateCreationDateTime, which its version is made from.", record.Raw, CanDeadLetter: true, record.EventId)
            : null;
    }
}
