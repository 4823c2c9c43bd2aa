using Replicator.Applying;
using Replicator.Model;
using Replicator.Planning;

namespace Replicator.Pacing;

/// <summary>
/// Writes to a table within a write capacity budget (<see cref="CapacityBudget"/>): a request
/// takes its estimated units first (1 per KB of each item, rounded up, as DynamoDB charges a
/// write; 1 for a delete) and settles with what the answer says it consumed
/// (<see cref="BatchOutcome.Written.ConsumedUnits"/>, which counts the table's indexes too).
/// </summary>
public sealed class PacedTargetWriter(ITargetWriter inner, CapacityBudget budget) : ITargetWriter, IPacedWriter
{
    public TargetTable Target => inner.Target;

    public async Task<BatchOutcome> WriteBatchAsync(IReadOnlyList<WriteAction> actions, CancellationToken cancellationToken)
    {
        var estimate = actions.Sum(Estimate);
        await budget.TakeAsync(estimate, cancellationToken).ConfigureAwait(false);
        var outcome = await inner.WriteBatchAsync(actions, cancellationToken).ConfigureAwait(false);
        budget.Settle(estimate, outcome switch
        {
            BatchOutcome.Written { ConsumedUnits: { } units } => units,
            BatchOutcome.Written written => estimate - written.Unprocessed.Sum(Estimate),
            _ => 0,
        });
        return outcome;
    }

    public async Task<WriteOutcome> WriteOneAsync(WriteAction action, CancellationToken cancellationToken)
    {
        var estimate = Estimate(action);
        await budget.TakeAsync(estimate, cancellationToken).ConfigureAwait(false);
        var outcome = await inner.WriteOneAsync(action, cancellationToken).ConfigureAwait(false);
        budget.Settle(estimate, outcome is WriteOutcome.Failed ? 0 : estimate);
        return outcome;
    }

    public TimeSpan TimeFor(IReadOnlyList<WriteAction> actions) => TimeSpan.FromSeconds(actions.Sum(Estimate) / budget.UnitsPerSecond);

    /// <summary>An item's JSON is a little larger than DynamoDB counts it, so the estimate errs high.</summary>
    private static double Estimate(WriteAction action) =>
        action.Kind == WriteKind.Put && action.Item is RawImage raw ? Math.Max(1, Math.Ceiling(raw.Json.Length / 1024.0)) : 1;
}
