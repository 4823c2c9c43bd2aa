using System.Collections.Concurrent;
using Replicator.Planning;
using Replicator.Retrying;

namespace Replicator.Applying;

public enum ActionStatus : byte { Applied, Poison, Failed }

/// <summary>What became of one action on one target.</summary>
public readonly record struct ActionResult(WriteAction Action, ActionStatus Status, string? Error);

/// <summary>
/// Applies a plan's actions to one target: in BatchWriteItem chunks of 25, many chunks in flight
/// at once (bounded), each key written once per plan so per-key order holds. Unprocessed items,
/// throttling, 5xx and dropped connections are retried with capped, jittered backoff until the
/// deadline; a chunk the service refuses as invalid is split into single writes to find the
/// poison item, so its neighbours still apply. Backfill and repair write through it too, so a
/// throttled write is never dropped anywhere.
/// </summary>
public sealed class Applier
{
    private readonly ReplicationSettings _settings;
    private readonly TimeProvider _time;
    private readonly Backoff _backoff;

    public Applier(ReplicationSettings settings, TimeProvider time, Random random)
    {
        _settings = settings;
        _time = time;
        _backoff = new Backoff(settings.BaseRetryDelay, settings.MaxRetryDelay, random);
    }

    public async Task<IReadOnlyList<ActionResult>> ApplyAsync(ITargetWriter writer, IReadOnlyList<WriteAction> actions, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var results = new ConcurrentBag<ActionResult>();
        // Keys must be distinct within a BatchWriteItem request; the planner makes them so, and so must other callers.
        var chunks = actions.Chunk(ReplicationOptions.MaxBatchWriteItems);
        using var stop = new DeadlineScope(deadline, _time, cancellationToken);

        // Chunks split into single writes share this bound, so that many refused chunks at once
        // still keep at most MaxConcurrentRequests requests in flight to the target.
        using var singles = new SemaphoreSlim(_settings.MaxConcurrentRequests, _settings.MaxConcurrentRequests);
        await Parallel.ForEachAsync(
            chunks,
            new ParallelOptions { MaxDegreeOfParallelism = _settings.MaxConcurrentRequests },
            async (chunk, _) =>
            {
                foreach (var result in await ApplyChunkAsync(writer, chunk, singles, deadline, stop.Token).ConfigureAwait(false))
                {
                    results.Add(result);
                }
            }).ConfigureAwait(false);
        return [.. results];
    }

    private async Task<IEnumerable<ActionResult>> ApplyChunkAsync(ITargetWriter writer, WriteAction[] chunk, SemaphoreSlim singles, DateTimeOffset deadline, CancellationToken stop)
    {
        IReadOnlyList<WriteAction> pending = chunk;
        var outcome = await WithRetriesAsync(
            async token =>
            {
                pending = await writer.WriteBatchAsync(pending, token).ConfigureAwait(false);
                return pending.Count == 0;
            },
            deadline,
            stop).ConfigureAwait(false);

        return outcome.Status switch
        {
            ActionStatus.Applied => chunk.Select(action => new ActionResult(action, ActionStatus.Applied, null)),
            ActionStatus.Poison => await ApplyOneByOneAsync(writer, pending, chunk, singles, deadline, stop).ConfigureAwait(false),
            _ => Settle(chunk, pending, outcome.Error),
        };
    }

    /// <summary>
    /// The service refused the whole chunk as invalid: write its items singly to find which, each
    /// attempt holding one of the call's <paramref name="singles"/> slots while in flight.
    /// </summary>
    private async Task<IEnumerable<ActionResult>> ApplyOneByOneAsync(ITargetWriter writer, IReadOnlyList<WriteAction> pending, WriteAction[] chunk, SemaphoreSlim singles, DateTimeOffset deadline, CancellationToken stop)
    {
        var results = await Task.WhenAll(pending.Select(async action =>
        {
            var outcome = await WithRetriesAsync(
                async token =>
                {
                    await singles.WaitAsync(token).ConfigureAwait(false);
                    try
                    {
                        await writer.WriteOneAsync(action, token).ConfigureAwait(false);
                    }
                    finally
                    {
                        singles.Release();
                    }

                    return true;
                },
                deadline,
                stop).ConfigureAwait(false);
            return new ActionResult(action, outcome.Status, outcome.Error);
        })).ConfigureAwait(false);
        var done = chunk.Except(pending).Select(action => new ActionResult(action, ActionStatus.Applied, null));
        return done.Concat(results);
    }

    /// <summary>Actions no longer pending were applied; the rest failed with <paramref name="error"/>.</summary>
    private static IEnumerable<ActionResult> Settle(WriteAction[] chunk, IReadOnlyList<WriteAction> pending, string? error)
    {
        var unfinished = pending.ToHashSet();
        return chunk.Select(action => unfinished.Contains(action)
            ? new ActionResult(action, ActionStatus.Failed, error)
            : new ActionResult(action, ActionStatus.Applied, null));
    }

    private readonly record struct AttemptOutcome(ActionStatus Status, string? Error);

    /// <summary>
    /// Runs <paramref name="attempt"/> until it reports done, retrying unfinished work and
    /// retryable errors with backoff. Gives up when the next wait would pass the deadline.
    /// </summary>
    private async Task<AttemptOutcome> WithRetriesAsync(Func<CancellationToken, Task<bool>> attempt, DateTimeOffset deadline, CancellationToken stop)
    {
        string? lastError = null;
        for (var tries = 0; ; tries++)
        {
            try
            {
                if (await attempt(stop).ConfigureAwait(false))
                {
                    return new AttemptOutcome(ActionStatus.Applied, null);
                }

                lastError = "the service left items unprocessed (throttled)";
            }
            catch (TargetWriteException e) when (e.Kind == TargetErrorKind.Retryable)
            {
                lastError = e.Message;
            }
            catch (TargetWriteException e)
            {
                return new AttemptOutcome(e.Kind == TargetErrorKind.Poison ? ActionStatus.Poison : ActionStatus.Failed, e.Message);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return GaveUp(tries + 1, lastError ?? "the write was still in flight");
            }
            catch (Exception e)
            {
                // A writer broke its contract (threw something unclassified): this work fails, the
                // batch's other chunks keep their results.
                return new AttemptOutcome(ActionStatus.Failed, $"the writer failed unexpectedly: {e.GetType().Name}: {e.Message}");
            }

            var delay = _backoff.Delay(tries);
            if (_time.GetUtcNow() + delay >= deadline || stop.IsCancellationRequested)
            {
                return GaveUp(tries + 1, lastError);
            }

            try
            {
                await Task.Delay(delay, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return GaveUp(tries + 1, lastError);
            }
        }
    }

    private static AttemptOutcome GaveUp(int tries, string? lastError) =>
        new(ActionStatus.Failed, $"not durable by the deadline after {tries} attempt(s); last error: {lastError}");
}
