using Replicator.Applying;
using Replicator.Model;
using Replicator.Streams;
using Replicator.Verification;

namespace Replicator.Redrive;

/// <summary>
/// Turns a letter into the writes it needs: a dead letter's key on its target (every target for a
/// record the parser refused), a failed batch's keys, read from its range of the stream, on every
/// target. A letter that cannot be (no key, a target not given, another stream, a range the
/// stream no longer holds) is kept with its reason.
/// </summary>
internal sealed class LetterResolver(TableShape shape, IReadOnlyList<TargetTable> targets, RangeReader ranges, RedriveSettings settings)
{
    public async Task ResolveAsync(LetterWork work, CancellationToken cancellationToken)
    {
        switch (work.Letter)
        {
            case Letter.Unrecognised unrecognised:
                work.Keep(KeptReason.Unrecognised, unrecognised.Reason);
                break;
            case Letter.DeadLetter { Key: null } dead:
                work.Keep(KeptReason.NoKey, $"{dead.KeyProblem}; find the key from the letter's sequence number {dead.SequenceNumber ?? "(none)"} or run verify --repair");
                break;
            case Letter.DeadLetter dead when Mismatch(dead.Key!) is { } problem:
                work.Keep(KeptReason.KeySchema, problem, [dead.Key!]);
                break;
            case Letter.DeadLetter { Target: null } dead:
                work.Need([dead.Key!], targets);
                break;
            case Letter.DeadLetter dead when TargetMatch.Find(dead.Target!, targets) is { } target:
                work.Need([dead.Key!], [target]);
                break;
            case Letter.DeadLetter dead:
                work.Keep(KeptReason.UnknownTarget, $"the letter is for {dead.Target}, which is not among the targets given ({string.Join(", ", targets)}); name it with --target {dead.Target}", [dead.Key!]);
                break;
            case Letter.FailedBatch batch:
                await ResolveBatchAsync(work, batch, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private async Task ResolveBatchAsync(LetterWork work, Letter.FailedBatch batch, CancellationToken cancellationToken)
    {
        if (!IsSourceStream(batch.StreamArn))
        {
            work.Keep(KeptReason.WrongStream, $"the batch is of stream {batch.StreamArn}, not of the source {settings.SourceIdentity?.ToString() ?? settings.Source.ToString()}; redrive it with that stream's table as --source");
            return;
        }

        RangeKeys range;
        try
        {
            range = await ranges.ReadAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        catch (StreamsException e)
        {
            // Refused for this letter (a sequence number not in the shard, access denied): it stays; the others go on.
            work.Keep(KeptReason.RangeLost, $"needs verify --repair: the stream refused to read {batch.ShardId} from {batch.Start}: {e.Message}");
            return;
        }

        if (!range.Complete)
        {
            var problems = range.Unreadable.Count == 0 ? "" : $"; {range.Unreadable.Count} record(s) without a readable key ({string.Join("; ", range.Unreadable.Take(3))})";
            work.Keep(KeptReason.RangeLost, $"needs verify --repair: {range.Lost ?? "some keys of the range cannot be read"}{problems}; {range.Keys.Count} key(s) learnt", range.Keys);
            return;
        }

        if (range.Keys.Select(Mismatch).FirstOrDefault(problem => problem is not null) is { } mismatch)
        {
            work.Keep(KeptReason.KeySchema, mismatch, range.Keys);
            return;
        }

        work.Need(range.Keys, targets);
    }

    /// <summary>The stream ARN names the source table (its identity when known: same account, region and name).</summary>
    private bool IsSourceStream(string streamArn) =>
        TableIdentity.FromArn(streamArn) is { } table
        && (settings.SourceIdentity is { } source ? table == source : table.Region == settings.Source.Region && table.Name == settings.Source.TableName);

    /// <summary>Why a key is not one of the source's (other attribute names or types), or null.</summary>
    private string? Mismatch(ItemKey key) =>
        key.Attributes.Count == shape.Key.Count && shape.Key.All(attribute => key.Attributes.TryGetValue(attribute.Name, out var value) && value.Type.ToString() == attribute.Type)
            ? null
            : $"the key {key} is not a key of the source, which is keyed by {shape.DescribeKey()}";
}
