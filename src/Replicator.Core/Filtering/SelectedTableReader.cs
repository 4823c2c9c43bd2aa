using Replicator.Applying;
using Replicator.Model;
using Replicator.Verification;
using Item = System.Collections.Generic.IReadOnlyDictionary<string, Replicator.Model.DynamoValue>;

namespace Replicator.Filtering;

/// <summary>
/// The source table as a filtered, projected deployment should see it: an item the filter does not
/// match is not there, and an item that is has only the attributes the projection keeps. Backfill,
/// verify and redrive read the source through it, so they copy, compare and repair exactly what
/// replicate writes (<see cref="ItemSelection.Select"/>), with no change of their own. A read that
/// asks for only some attributes (verify's key-only lookups) reads whole items when there is a
/// filter, since the filter may name any attribute, and then returns the attributes asked for.
/// </summary>
public sealed class SelectedTableReader(ITableReader source, ItemSelection selection) : ITableReader
{
    private TableShape? _shape;

    public TargetTable Table => source.Table;

    /// <summary>What this reader selects (a backfill's checkpoint records it, so a resume under another selection is refused).</summary>
    public ItemSelection Selection => selection;

    public async Task<TableShape?> DescribeAsync(CancellationToken cancellationToken) =>
        _shape = await source.DescribeAsync(cancellationToken).ConfigureAwait(false);

    public async Task<ScanPage> ScanAsync(int segment, int totalSegments, Item? exclusiveStartKey, IReadOnlyList<string>? projection, CancellationToken cancellationToken)
    {
        var page = await source.ScanAsync(segment, totalSegments, exclusiveStartKey, Wanted(projection), cancellationToken).ConfigureAwait(false);
        var shape = Shape();
        return page with { Items = Selected(page.Items, shape, projection), Scanned = page.Scanned ?? page.Items.Count };
    }

    public async Task<BatchGetResult> BatchGetAsync(IReadOnlyList<ItemKey> keys, IReadOnlyList<string>? projection, CancellationToken cancellationToken)
    {
        var result = await source.BatchGetAsync(keys, Wanted(projection), cancellationToken).ConfigureAwait(false);
        return result with { Items = Selected(result.Items, Shape(), projection) };
    }

    public async Task<Item?> GetAsync(ItemKey key, CancellationToken cancellationToken) =>
        await source.GetAsync(key, cancellationToken).ConfigureAwait(false) is { } item ? selection.Select(item, key) : null;

    /// <summary>What to ask the table for: everything when a filter must see the item, else what the caller asked.</summary>
    private IReadOnlyList<string>? Wanted(IReadOnlyList<string>? projection) => selection.Filter is null ? projection : null;

    private List<Item> Selected(IReadOnlyList<Item> items, TableShape shape, IReadOnlyList<string>? projection)
    {
        var selected = new List<Item>(items.Count);
        foreach (var item in items)
        {
            if (projection is not null && selection.Filter is null)
            {
                // Asked for some attributes, and no filter to apply: the table's answer is the answer (keys are always kept).
                selected.Add(item);
            }
            else if (selection.Select(item, shape.KeyOf(item)) is { } kept)
            {
                selected.Add(projection is null ? kept : kept.Where(pair => projection.Contains(pair.Key)).ToDictionary(StringComparer.Ordinal));
            }
        }

        return selected;
    }

    private TableShape Shape() =>
        _shape ?? throw new InvalidOperationException($"{nameof(SelectedTableReader)} of {source.Table}: DescribeAsync must come first, to learn the key that a projection always keeps.");
}
