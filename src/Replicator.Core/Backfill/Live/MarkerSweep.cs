using Replicator.Applying;
using Replicator.Model;
using Replicator.MultiActive;
using Replicator.Retrying;
using Replicator.Verification;

namespace Replicator.Backfill.Live;

/// <summary>
/// The last step of a live copy, once deletes are plain again: a parallel scan of each target
/// (the key and the marker attribute only) that deletes every <see cref="DeleteMarker"/> with the
/// condition that it is still one, since a replicated put may have replaced it meanwhile. It keeps
/// no progress: a sweep stopped at any moment is run again whole (reads only, where nothing is left).
/// </summary>
internal sealed class MarkerSweep(IReadOnlyList<LiveTarget> targets, int segments, PatientReads reads, TimeProvider time, Random random)
{
    private static readonly AttributePath Marker = new(DeleteMarker.Attribute);

    private readonly Retry _retry = new(ReplicationOptions.DefaultBaseRetryDelay, ReplicationOptions.DefaultMaxRetryDelay, time, random);
    private long _swept;
    private long _replaced;

    /// <summary>Markers deleted.</summary>
    public long Swept => Interlocked.Read(ref _swept);

    /// <summary>Markers a replicated put had replaced before the sweep reached them.</summary>
    public long Replaced => Interlocked.Read(ref _replaced);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        foreach (var target in targets)
        {
            var shape = await reads.ReadAsync(token => target.Reader.DescribeAsync(token), $"DescribeTable on {target.Table}", cancellationToken).ConfigureAwait(false)
                ?? throw new BackfillException($"--target: table {target.Table} does not exist; the delete markers cannot be swept. {BackfillException.Resume}");
            IReadOnlyList<string> projection = [.. shape.KeyNames, DeleteMarker.Attribute];
            using var inFlight = new SemaphoreSlim(ReplicationOptions.DefaultMaxConcurrentRequests);
            var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Min(segments, ReplicationOptions.MaxConcurrentSegments), CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(Enumerable.Range(0, segments), options, async (segment, token) =>
            {
                IReadOnlyDictionary<string, DynamoValue>? lastKey = null;
                do
                {
                    var from = lastKey;
                    var page = await reads.ReadAsync(t => target.Reader.ScanAsync(segment, segments, from, projection, t), $"Scan of {target.Table} for delete markers (segment {segment} of {segments})", token).ConfigureAwait(false);
                    await Task.WhenAll(page.Items.Where(DeleteMarker.IsMarker).Select(item => DeleteAsync(target, shape.KeyOf(item), inFlight, token))).ConfigureAwait(false);
                    lastKey = page.LastEvaluatedKey;
                }
                while (lastKey is not null);
            }).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes one marker if it is still one; throttling and 5xx are waited out until no progress for the read window, then the sweep stops (it runs again whole).</summary>
    private async Task DeleteAsync(LiveTarget target, ItemKey key, SemaphoreSlim inFlight, CancellationToken cancellationToken)
    {
        var write = new TableWrite.Delete(target.Table.RequestName, key, Condition.Exists(Marker));
        var window = ReplicationOptions.DefaultReadGiveUpAfter;
        await inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
        Retried<TableWriteOutcome> retried;
        try
        {
            retried = await _retry.RunAsync(
                async token => await target.Tables.WriteAsync(write, token).ConfigureAwait(false) switch
                {
                    TableWriteOutcome.Failed { Refusal.Kind: TargetErrorKind.Retryable } failed => Attempt<TableWriteOutcome>.Again(failed.Refusal.Message),
                    var outcome => Attempt<TableWriteOutcome>.Done(outcome),
                },
                RetryBudget.WithoutProgressFor(window),
                transient: null,
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            inFlight.Release();
        }

        switch (retried)
        {
            case Retried<TableWriteOutcome>.Succeeded { Value: TableWriteOutcome.Written }:
                Interlocked.Increment(ref _swept);
                break;
            case Retried<TableWriteOutcome>.Succeeded { Value: TableWriteOutcome.ConditionFailed }:
                // A replicated put replaced the marker (or a replicated delete removed it): that change stands.
                Interlocked.Increment(ref _replaced);
                break;
            case Retried<TableWriteOutcome>.Succeeded { Value: TableWriteOutcome.Failed failed }:
                throw new BackfillException($"{target.Table} {key}: the delete marker could not be swept: {failed.Refusal.Message}. {BackfillException.Resume}");
            case Retried<TableWriteOutcome>.GaveUp { Cancelled: true }:
                throw new OperationCanceledException(cancellationToken);
            case Retried<TableWriteOutcome>.GaveUp gaveUp:
                throw new BackfillException($"{target.Table} {key}: the delete marker could not be swept, no progress for {window.TotalSeconds:0} s ({gaveUp.Attempts} attempts); last error: {gaveUp.LastProblem}. {BackfillException.Resume}");
            default:
                throw new InvalidOperationException($"unexpected retry outcome {retried}");
        }
    }
}
