using Replicator.Applying;
using Replicator.Model;
using Replicator.Retrying;

namespace Replicator.MultiActive;

/// <summary>A write a region's tables refused for good, or kept refusing until the deadline: the key's changes are not durable.</summary>
internal sealed class ReplicaWriteFailed(Refusal refusal) : Exception(refusal.Message)
{
    public Refusal Refusal { get; } = refusal;
}

/// <summary>
/// A region's tables, each call retried (<see cref="Retry"/>) while the answer is retryable and
/// the deadline allows. What is left is what the tables answered; a refusal throws
/// <see cref="ReplicaWriteFailed"/>, which fails the key.
/// </summary>
internal sealed class PatientTables(Replica replica, Retry retry, DateTimeOffset deadline, CancellationToken cancellationToken)
{
    public Replica Replica => replica;

    public string Region => replica.Region;

    public Task<TableWriteOutcome> WriteAsync(TableWrite write) =>
        RunAsync(token => replica.Tables.WriteAsync(write, token), o => o is TableWriteOutcome.Failed failed ? failed.Refusal : null);

    public Task<TransactionOutcome> TransactAsync(IReadOnlyList<TableWrite> writes) =>
        RunAsync(token => replica.Tables.TransactAsync(writes, token), o => o is TransactionOutcome.Failed failed ? failed.Refusal : null);

    public async Task<IReadOnlyDictionary<ItemKey, IReadOnlyDictionary<string, DynamoValue>>> ReadAsync(string table, IReadOnlyList<ItemKey> keys)
    {
        var outcome = await RunAsync(token => replica.Tables.ReadAsync(table, keys, token), o => o is TableReadOutcome.Failed failed ? failed.Refusal : null).ConfigureAwait(false);
        return ((TableReadOutcome.Read)outcome).Items;
    }

    public async Task<IReadOnlyDictionary<string, DynamoValue>?> ReadAsync(string table, ItemKey key) =>
        (await ReadAsync(table, [key]).ConfigureAwait(false)).GetValueOrDefault(key);

    private async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, Func<T, Refusal?> refusalOf)
    {
        var retried = await retry.RunAsync(
            async token =>
            {
                var outcome = await call(token).ConfigureAwait(false);
                return refusalOf(outcome) is { Kind: TargetErrorKind.Retryable } refusal
                    ? Attempt<T>.Again(refusal.Message)
                    : Attempt<T>.Done(outcome);
            },
            RetryBudget.Until(deadline),
            transient: null,
            cancellationToken).ConfigureAwait(false);
        return retried switch
        {
            Retried<T>.Succeeded succeeded when refusalOf(succeeded.Value) is { } refusal => throw new ReplicaWriteFailed(refusal with { Message = $"{replica}: {refusal.Message}" }),
            Retried<T>.Succeeded succeeded => succeeded.Value,
            Retried<T>.GaveUp gaveUp => throw new ReplicaWriteFailed(new Refusal(TargetErrorKind.Retryable, $"{replica}: not durable by the deadline after {gaveUp.Attempts} attempt(s); last error: {gaveUp.LastProblem}")),
            _ => throw new InvalidOperationException($"unexpected outcome {retried}"),
        };
    }
}
