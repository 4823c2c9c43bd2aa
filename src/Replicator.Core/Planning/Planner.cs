using Replicator.Model;
using Replicator.Parsing;

namespace Replicator.Planning;

/// <summary>
/// Coalesces a batch to one action per key. One-way replication needs only each key's last
/// state, so a key's records reduce to a put of its newest image or a delete. "Newest" and
/// "earliest" go by sequence number compared as integers, whatever order the batch came in.
/// </summary>
public static class Planner
{
    public static ReplicationPlan Plan(ParsedBatch batch, TtlDeletes ttlDeletes)
    {
        var builders = new Dictionary<ItemKey, ActionBuilder>();
        var order = new List<ActionBuilder>();
        var problems = new List<PlanProblem>();
        var skipped = 0;
        SequenceNumber? first = null;

        foreach (var malformed in batch.Malformed)
        {
            problems.Add(Unreadable(malformed));
            first = Min(first, malformed.SequenceNumber);
        }

        foreach (var record in batch.Records)
        {
            first = Min(first, record.SequenceNumber);
            if (record.IsTtlDelete && ttlDeletes == TtlDeletes.Skip)
            {
                skipped++;
                continue;
            }

            if (record.Kind != ChangeKind.Remove && record.NewImage is null)
            {
                problems.Add(NoNewImage(record));
                continue;
            }

            if (!builders.TryGetValue(record.Key, out var builder))
            {
                builder = new ActionBuilder(record);
                builders.Add(record.Key, builder);
                order.Add(builder);
            }
            else
            {
                builder.Add(record);
            }
        }

        var actions = order.ConvertAll(builder => builder.Build());
        return new ReplicationPlan(actions, problems, batch.Count, skipped) { FirstSequenceNumber = first };
    }

    internal static PlanProblem NoNewImage(ChangeRecord record)
    {
        var name = $"record {record.EventId} (SequenceNumber {record.SequenceNumber})";
        return record.ViewType is StreamViewType.KeysOnly or StreamViewType.OldImage
            ? new PlanProblem(record.SequenceNumber,
                $"{name} is an {record.Kind.ToString().ToUpperInvariant()} from a stream whose view type is {ViewTypeName(record.ViewType)}, which carries no new image, so the item cannot be replicated. Set the source table's stream view type to NEW_AND_OLD_IMAGES (or NEW_IMAGE).",
                record.Raw, CanDeadLetter: false, record.EventId)
            : new PlanProblem(record.SequenceNumber,
                $"{name} is an {record.Kind.ToString().ToUpperInvariant()} without a NewImage.",
                record.Raw, CanDeadLetter: true, record.EventId);
    }

    internal static PlanProblem Unreadable(MalformedRecord malformed) =>
        new(malformed.SequenceNumber, malformed.Error, malformed.Raw, CanDeadLetter: true, malformed.EventId);

    private static string ViewTypeName(StreamViewType type) => type == StreamViewType.KeysOnly ? "KEYS_ONLY" : "OLD_IMAGE";

    internal static SequenceNumber? Min(SequenceNumber? a, SequenceNumber? b) =>
        a is null ? b : b is null ? a : SequenceNumber.Min(a.Value, b.Value);

    private sealed class ActionBuilder(ChangeRecord record)
    {
        private ChangeRecord _first = record;
        private ChangeRecord _last = record;
        private int _count = 1;
        private DateTimeOffset? _earliestCreation = record.ApproximateCreationTime;

        public void Add(ChangeRecord next)
        {
            _count++;
            if (next.SequenceNumber < _first.SequenceNumber)
            {
                _first = next;
            }

            if (next.SequenceNumber > _last.SequenceNumber)
            {
                _last = next;
            }

            if (next.ApproximateCreationTime < _earliestCreation || _earliestCreation is null)
            {
                _earliestCreation = next.ApproximateCreationTime;
            }
        }

        public WriteAction Build() => (_last.Kind == ChangeKind.Remove
            ? new WriteAction(_last.Key, WriteKind.Delete, _last.Key.Attributes, _first.SequenceNumber, _last, _count, _earliestCreation)
            : new WriteAction(_last.Key, WriteKind.Put, _last.NewImage!, _first.SequenceNumber, _last, _count, _earliestCreation)) with { BeganWithInsert = _first.Kind == ChangeKind.Insert };
    }
}
