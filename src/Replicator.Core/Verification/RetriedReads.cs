using Replicator.Model;
using Replicator.Retrying;
using Item = System.Collections.Generic.IReadOnlyDictionary<string, Replicator.Model.DynamoValue>;

namespace Replicator.Verification;

/// <summary>
/// Verify's reads through the one retry primitive (<see cref="Retry"/>): a retryable
/// <see cref="TableReadException"/> (throttling, 5xx, a dropped connection) and unprocessed keys
/// are tried again with capped, jittered backoff. A read that makes no progress for
/// <c>giveUpAfter</c> (unprocessed keys shrinking is progress) stops verify with a
/// non-retryable <see cref="TableReadException"/> naming the request; any other error stops it at
/// once; the caller's cancellation propagates as <see cref="OperationCanceledException"/>.
/// </summary>
internal sealed class RetriedReads(Retry retry, TimeSpan giveUpAfter)
{
    private readonly RetryBudget _budget = RetryBudget.WithoutProgressFor(giveUpAfter);

    public async Task<T> ReadAsync<T>(Func<CancellationToken, Task<T>> read, string what, CancellationToken cancellationToken)
    {
        var retried = await retry.RunAsync(
            async token => Attempt<T>.Done(await read(token).ConfigureAwait(false)),
            _budget,
            Transient,
            cancellationToken).ConfigureAwait(false);
        return Value(retried, what, cancellationToken);
    }

    /// <summary>
    /// One BatchGetItem of at most <see cref="ReplicationOptions.MaxBatchGetKeys"/> keys, asked
    /// again for the keys it leaves unprocessed until none are left: the items found (absent keys
    /// are simply not among them).
    /// </summary>
    public async Task<IReadOnlyList<Item>> BatchGetAsync(ITableReader reader, IReadOnlyList<ItemKey> keys, IReadOnlyList<string>? projection, CancellationToken cancellationToken)
    {
        var found = new List<Item>(keys.Count);
        var pending = keys;
        var retried = await retry.RunAsync(
            async token =>
            {
                var result = await reader.BatchGetAsync(pending, projection, token).ConfigureAwait(false);
                found.AddRange(result.Items);
                if (result.Unprocessed.Count == 0)
                {
                    return Attempt<bool>.Done(true);
                }

                var progressed = result.Unprocessed.Count < pending.Count;
                pending = result.Unprocessed;
                return Attempt<bool>.Again($"{pending.Count} key(s) left unprocessed (throttled)", progressed);
            },
            _budget,
            Transient,
            cancellationToken).ConfigureAwait(false);
        Value(retried, $"BatchGetItem on {reader.Table}", cancellationToken);
        return found;
    }

    private static string? Transient(Exception e) => e is TableReadException { Retryable: true } ? e.Message : null;

    private T Value<T>(Retried<T> retried, string what, CancellationToken cancellationToken)
    {
        if (retried is Retried<T>.Succeeded done)
        {
            return done.Value;
        }

        var gaveUp = (Retried<T>.GaveUp)retried;
        if (gaveUp.Cancelled)
        {
            throw new OperationCanceledException($"{what} was cancelled.", cancellationToken);
        }

        throw new TableReadException($"{what}: no progress for {giveUpAfter.TotalSeconds:0} s ({gaveUp.Attempts} attempts); last error: {gaveUp.LastProblem}", retryable: false);
    }
}
