using Replicator.Model;
using Replicator.Parsing;

namespace Replicator.Streams;

/// <summary>
/// Drops the records a read gives again after they were applied. DynamoDB numbers a shard's
/// records uniquely and in order, and an iterator after a number starts past it, so on AWS
/// nothing is ever dropped: the only cost is comparing each record's number with the one before.
/// Moto numbers two records written at the same moment alike, and finds a number's position by
/// arithmetic, so its iterator after that number starts at the second of them, and at every
/// read after: a poller that took it at its word read those records forever and never went idle
/// (the README's multi-active example hung one run in five). Once a shard numbers a record out
/// of order, the event ids of its last applied page are kept, and a read's records among them
/// are dropped (the first repeat is applied again, which replication does without effect).
/// </summary>
internal sealed class ReplayedRecords
{
    private SequenceNumber? _highest;
    private HashSet<string>? _lastApplied;

    /// <summary><paramref name="batch"/> without the records of the last applied page.</summary>
    public ParsedBatch Without(ParsedBatch batch)
    {
        if (_lastApplied is null)
        {
            if (InOrder(batch))
            {
                return batch;
            }

            _lastApplied = new HashSet<string>(StringComparer.Ordinal);
        }

        if (_lastApplied.Count == 0 || (!batch.Records.Any(IsReplay) && !batch.Malformed.Any(IsReplay)))
        {
            return batch;
        }

        return new ParsedBatch([.. batch.Records.Where(record => !IsReplay(record))], [.. batch.Malformed.Where(record => !IsReplay(record))]);
    }

    /// <summary>Every record of <paramref name="page"/> (as read, replays included) is durable.</summary>
    public void Applied(ParsedBatch page)
    {
        foreach (var record in page.Records)
        {
            _highest = _highest is { } highest && highest >= record.SequenceNumber ? highest : record.SequenceNumber;
        }

        if (_lastApplied is not null && page.Count > 0)
        {
            _lastApplied = new HashSet<string>(page.Records.Select(record => record.EventId).Concat(page.Malformed.Select(record => record.EventId).OfType<string>()), StringComparer.Ordinal);
        }
    }

    private bool InOrder(ParsedBatch batch)
    {
        var previous = _highest;
        foreach (var record in batch.Records)
        {
            if (previous is { } before && record.SequenceNumber <= before)
            {
                return false;
            }

            previous = record.SequenceNumber;
        }

        return true;
    }

    private bool IsReplay(ChangeRecord record) => _lastApplied!.Contains(record.EventId);

    private bool IsReplay(MalformedRecord record) => record.EventId is { } id && _lastApplied!.Contains(id);
}
