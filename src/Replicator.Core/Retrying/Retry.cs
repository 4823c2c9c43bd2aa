namespace Replicator.Retrying;

/// <summary>
/// The one retry loop: runs an attempt until it is done, waiting between attempts with capped,
/// jittered exponential backoff (<see cref="Backoff"/>) on the injected clock, within a
/// <see cref="RetryBudget"/>. An attempt says how it went (<see cref="Attempt{T}"/>); exceptions
/// that <c>transient</c> names are tried again like an unfinished attempt, any other propagates.
/// A wait is never started past the budget, so a deadline is kept to within one attempt.
/// Cancellation during an attempt or a wait ends the loop as <see cref="Retried{T}.GaveUp"/> with
/// <c>Cancelled</c> set, so the caller still learns how far it got.
/// </summary>
internal sealed class Retry(Backoff backoff, TimeProvider time)
{
    /// <summary>The last problem of a loop cancelled during its first attempt.</summary>
    private const string InFlight = "the attempt was still in flight";

    public Retry(TimeSpan baseDelay, TimeSpan maxDelay, TimeProvider time, Random random)
        : this(new Backoff(baseDelay, maxDelay, random), time)
    {
    }

    /// <param name="transient">The problem an exception stands for, if it is worth another try; null lets it propagate.</param>
    public async Task<Retried<T>> RunAsync<T>(
        Func<CancellationToken, Task<Attempt<T>>> attempt,
        RetryBudget budget,
        Func<Exception, string?>? transient,
        CancellationToken cancellationToken)
    {
        var lastProgress = time.GetUtcNow();
        var streak = 0;
        string? lastProblem = null;
        for (var attempts = 1; ; attempts++)
        {
            try
            {
                switch (await attempt(cancellationToken).ConfigureAwait(false))
                {
                    case Attempt<T>.Finished done:
                        return new Retried<T>.Succeeded(done.Value, attempts);
                    case Attempt<T>.Unfinished again:
                        lastProblem = again.Problem;
                        if (again.Progressed)
                        {
                            lastProgress = time.GetUtcNow();
                            streak = 0;
                        }

                        break;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return new Retried<T>.GaveUp(attempts, lastProblem ?? InFlight, Cancelled: true);
            }
            catch (Exception e) when (transient?.Invoke(e) is { } problem)
            {
                lastProblem = problem;
            }

            var delay = backoff.Delay(streak++);
            if (!budget.Allows(time.GetUtcNow(), delay, lastProgress))
            {
                return new Retried<T>.GaveUp(attempts, lastProblem ?? InFlight, Cancelled: false);
            }

            try
            {
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return new Retried<T>.GaveUp(attempts, lastProblem ?? InFlight, Cancelled: true);
            }
        }
    }
}
