using Replicator.Applying;
using Replicator.Model;
using Replicator.Verification;

namespace Replicator.Pacing;

/// <summary>
/// Reads a table within a read capacity budget (<see cref="CapacityBudget"/>): each read takes an
/// estimate of its units first and settles with what the answer says it consumed (the reader must
/// report it: <see cref="ScanPage.ConsumedUnits"/>, <see cref="BatchGetResult.ConsumedUnits"/>;
/// an answer that does not, moto's, is charged by the size of what came back, 4 KB a unit). The
/// estimate of the next scan page is the last page's units, starting from one: the first pages of
/// many segments may overrun the first second, and the debt is waited out before the next ones.
/// </summary>
public sealed class PacedTableReader(ITableReader inner, CapacityBudget budget) : ITableReader
{
    /// <summary>A strongly consistent read: 4 KB per unit.</summary>
    private const double BytesPerUnit = 4096;

    private double _pageUnits = 1;
    private double _unitsPerKey = 1;

    public TargetTable Table => inner.Table;

    public Task<TableShape?> DescribeAsync(CancellationToken cancellationToken) => inner.DescribeAsync(cancellationToken);

    public async Task<ScanPage> ScanAsync(int segment, int totalSegments, IReadOnlyDictionary<string, DynamoValue>? exclusiveStartKey, IReadOnlyList<string>? projection, CancellationToken cancellationToken)
    {
        var estimate = Volatile.Read(ref _pageUnits);
        await budget.TakeAsync(estimate, cancellationToken).ConfigureAwait(false);
        ScanPage page;
        try
        {
            page = await inner.ScanAsync(segment, totalSegments, exclusiveStartKey, projection, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // A refused read consumed nothing (a throttled one is what the budget is there to prevent).
            budget.Settle(estimate, 0);
            throw;
        }

        var consumed = page.ConsumedUnits ?? Math.Max(1, Math.Ceiling(page.Items.Sum(Bytes) / BytesPerUnit));
        budget.Settle(estimate, consumed);
        Volatile.Write(ref _pageUnits, Math.Max(1, consumed));
        return page;
    }

    public async Task<BatchGetResult> BatchGetAsync(IReadOnlyList<ItemKey> keys, IReadOnlyList<string>? projection, CancellationToken cancellationToken)
    {
        var estimate = keys.Count * Volatile.Read(ref _unitsPerKey);
        await budget.TakeAsync(estimate, cancellationToken).ConfigureAwait(false);
        BatchGetResult result;
        try
        {
            result = await inner.BatchGetAsync(keys, projection, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            budget.Settle(estimate, 0);
            throw;
        }

        // BatchGetItem rounds each item up to 4 KB on its own; an absent key costs a read too.
        var answered = keys.Count - result.Unprocessed.Count;
        var consumed = result.ConsumedUnits ?? (answered + result.Items.Sum(item => Math.Max(0, Math.Ceiling(Bytes(item) / BytesPerUnit) - 1)));
        budget.Settle(estimate, consumed);
        if (answered > 0)
        {
            Volatile.Write(ref _unitsPerKey, Math.Max(0.5, consumed / answered));
        }

        return result;
    }

    /// <summary>An item's size as its JSON, a little more than DynamoDB counts; an item already read into values counts as one unit's worth.</summary>
    private static double Bytes(IReadOnlyDictionary<string, DynamoValue> item) => item is RawImage raw ? raw.Json.Length : BytesPerUnit;

    public async Task<IReadOnlyDictionary<string, DynamoValue>?> GetAsync(ItemKey key, CancellationToken cancellationToken)
    {
        await budget.TakeAsync(1, cancellationToken).ConfigureAwait(false);
        return await inner.GetAsync(key, cancellationToken).ConfigureAwait(false);
    }
}
