using Replicator.Planning;
using Replicator.Retrying;

namespace Replicator.Applying;

/// <summary>
/// Applies a plan's actions to one target: in BatchWriteItem chunks of 25, many chunks in flight
/// at once (bounded), each key written once per plan so per-key order holds. Unprocessed items,
/// throttling, 5xx and dropped connections are retried (<see cref="Retry"/>) until the deadline;
/// a chunk the service refuses as invalid is split into single writes to find the poison item,
/// so its neighbours still apply. Backfill and repair write through it too, so a throttled write
/// is never dropped anywhere.
/// </summary>
public sealed class Applier
{
    private readonly ReplicationSettings _settings;
    private readonly TimeProvider _time;
    private readonly Retry _retry;

    public Applier(ReplicationSettings settings, TimeProvider time, Random random)
    {
        _settings = settings;
        _time = time;
        _retry = new Retry(settings.BaseRetryDelay, settings.MaxRetryDelay, time, random);
    }

    public async Task<IReadOnlyList<ActionResult>> ApplyAsync(ITargetWriter writer, IReadOnlyList<WriteAction> actions, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        // Keys must be distinct within a BatchWriteItem request; the planner makes them so, and so must other callers.
        var chunks = actions.Chunk(ReplicationOptions.MaxBatchWriteItems).ToArray();

        // One slot per chunk, not a concurrent collection: a ConcurrentBag per call made a
        // thread-local queue per thread, each with a finaliser, for every page a backfill copied.
        var results = new IEnumerable<ActionResult>[chunks.Length];
        using var stop = new DeadlineScope(deadline, _time, cancellationToken);

        // Chunks split into single writes share this bound, so that many refused chunks at once
        // still keep at most MaxConcurrentRequests requests in flight to the target.
        using var singles = new SemaphoreSlim(_settings.MaxConcurrentRequests, _settings.MaxConcurrentRequests);
        await Parallel.ForEachAsync(
            Enumerable.Range(0, chunks.Length),
            new ParallelOptions { MaxDegreeOfParallelism = _settings.MaxConcurrentRequests },
            async (index, _) => results[index] = await ApplyChunkAsync(writer, chunks[index], singles, deadline, stop.Token).ConfigureAwait(false)).ConfigureAwait(false);
        var all = new List<ActionResult>(actions.Count);
        foreach (var chunk in results)
        {
            all.AddRange(chunk);
        }

        return all;
    }

    private async Task<IEnumerable<ActionResult>> ApplyChunkAsync(ITargetWriter writer, WriteAction[] chunk, SemaphoreSlim singles, DateTimeOffset deadline, CancellationToken stop)
    {
        IReadOnlyList<WriteAction> pending = chunk;
        Retried<BatchOutcome> retried;
        try
        {
            retried = await _retry.RunAsync(
                async token =>
                {
                    switch (await writer.WriteBatchAsync(pending, token).ConfigureAwait(false))
                    {
                        case BatchOutcome.Written { Unprocessed.Count: 0 } written:
                            pending = [];
                            return Attempt<BatchOutcome>.Done(written);
                        case BatchOutcome.Written written:
                            var progressed = written.Unprocessed.Count < pending.Count;
                            pending = written.Unprocessed;
                            return Attempt<BatchOutcome>.Again($"the service left {pending.Count} item(s) unprocessed (throttled)", progressed);
                        case BatchOutcome.Failed { Refusal.Kind: TargetErrorKind.Retryable } failed:
                            return Attempt<BatchOutcome>.Again(failed.Refusal.Message);
                        case var refused:
                            return Attempt<BatchOutcome>.Done(refused);
                    }
                },
                RetryBudget.Until(deadline),
                transient: null,
                stop).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // A writer broke its contract (threw; cancellation by our token already ended the retries as given up):
            // this chunk fails, the batch's other chunks keep their results.
            return Settle(chunk, pending, Unexpected(e));
        }

        return retried switch
        {
            Retried<BatchOutcome>.Succeeded { Value: BatchOutcome.Failed { Refusal.Kind: TargetErrorKind.Poison } } =>
                await ApplyOneByOneAsync(writer, pending, chunk, singles, deadline, stop).ConfigureAwait(false),
            Retried<BatchOutcome>.Succeeded { Value: BatchOutcome.Failed failed } => Settle(chunk, pending, failed.Refusal.Message),
            Retried<BatchOutcome>.GaveUp gaveUp => Settle(chunk, pending, GaveUp(gaveUp)),
            _ => chunk.Select(action => new ActionResult(action, ActionStatus.Applied, null)),
        };
    }

    /// <summary>
    /// The service refused the whole chunk as invalid: write its items singly to find which, each
    /// attempt holding one of the call's <paramref name="singles"/> slots while in flight.
    /// </summary>
    private async Task<IEnumerable<ActionResult>> ApplyOneByOneAsync(ITargetWriter writer, IReadOnlyList<WriteAction> pending, WriteAction[] chunk, SemaphoreSlim singles, DateTimeOffset deadline, CancellationToken stop)
    {
        var results = await Task.WhenAll(pending.Select(action => ApplyOneAsync(writer, action, singles, deadline, stop))).ConfigureAwait(false);
        var done = chunk.Except(pending).Select(action => new ActionResult(action, ActionStatus.Applied, null));
        return done.Concat(results);
    }

    private async Task<ActionResult> ApplyOneAsync(ITargetWriter writer, WriteAction action, SemaphoreSlim singles, DateTimeOffset deadline, CancellationToken stop)
    {
        Retried<WriteOutcome> retried;
        try
        {
            retried = await _retry.RunAsync(
                async token =>
                {
                    await singles.WaitAsync(token).ConfigureAwait(false);
                    WriteOutcome outcome;
                    try
                    {
                        outcome = await writer.WriteOneAsync(action, token).ConfigureAwait(false);
                    }
                    finally
                    {
                        singles.Release();
                    }

                    return outcome is WriteOutcome.Failed { Refusal.Kind: TargetErrorKind.Retryable } retryable
                        ? Attempt<WriteOutcome>.Again(retryable.Refusal.Message)
                        : Attempt<WriteOutcome>.Done(outcome);
                },
                RetryBudget.Until(deadline),
                transient: null,
                stop).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            return new ActionResult(action, ActionStatus.Failed, Unexpected(e));
        }

        return retried switch
        {
            Retried<WriteOutcome>.Succeeded { Value: WriteOutcome.Written } => new ActionResult(action, ActionStatus.Applied, null),
            Retried<WriteOutcome>.Succeeded { Value: WriteOutcome.ConditionFailed condition } => new ActionResult(action, ActionStatus.Superseded, condition.Message),
            Retried<WriteOutcome>.Succeeded { Value: WriteOutcome.Failed { Refusal.Kind: TargetErrorKind.Poison } poison } => new ActionResult(action, ActionStatus.Poison, poison.Refusal.Message),
            Retried<WriteOutcome>.Succeeded { Value: WriteOutcome.Failed failed } => new ActionResult(action, ActionStatus.Failed, failed.Refusal.Message),
            Retried<WriteOutcome>.GaveUp gaveUp => new ActionResult(action, ActionStatus.Failed, GaveUp(gaveUp)),
            _ => throw new InvalidOperationException($"unexpected outcome {retried}"),
        };
    }

    /// <summary>Actions no longer pending were applied; the rest failed with <paramref name="error"/>.</summary>
    private static IEnumerable<ActionResult> Settle(WriteAction[] chunk, IReadOnlyList<WriteAction> pending, string error)
    {
        var unfinished = pending.ToHashSet();
        return chunk.Select(action => unfinished.Contains(action)
            ? new ActionResult(action, ActionStatus.Failed, error)
            : new ActionResult(action, ActionStatus.Applied, null));
    }

    private static string GaveUp<T>(Retried<T>.GaveUp gaveUp) =>
        $"not durable by the deadline after {gaveUp.Attempts} attempt(s); last error: {gaveUp.LastProblem}";

    private static string Unexpected(Exception e) => $"the writer failed unexpectedly: {e.GetType().Name}: {e.Message}";
}
