using Replicator.Model;
using Item = System.Collections.Generic.IReadOnlyDictionary<string, Replicator.Model.DynamoValue>;

namespace Replicator.Verification;

/// <summary>
/// Pass one: a parallel scan of the source; each page's keys are looked up on every target
/// (BatchGetItem) and each item compared with the target's. A key that differs goes to the
/// <see cref="Confirmation"/>, which decides by a re-read.
/// </summary>
internal sealed class SourcePass(ITableReader source, SegmentScanner scanner, KeyLookup lookup, Confirmation confirmation)
{
    /// <summary>Returns the source items scanned.</summary>
    public async Task<long> RunAsync(TableShape shape, IReadOnlyList<Tally> tallies, CancellationToken cancellationToken)
    {
        long scanned = 0;
        await scanner.ForEachPageAsync(source, null, async (page, read, token) =>
        {
            Interlocked.Add(ref scanned, page.Items.Count);
            var items = page.Items.Select(item => (Key: shape.KeyOf(item), Item: item)).ToList();
            await Task.WhenAll(tallies.Select(tally => CompareAsync(shape, items, tally, read, token))).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return scanned;
    }

    private async Task CompareAsync(TableShape shape, List<(ItemKey Key, Item Item)> items, Tally tally, DateTimeOffset read, CancellationToken cancellationToken)
    {
        if (items.Count == 0)
        {
            return;
        }

        var found = await lookup.FindAsync(tally.Target.Reader, shape, items.Select(item => item.Key).ToList(), null, cancellationToken).ConfigureAwait(false);
        var suspects = new List<ItemKey>();
        foreach (var (key, item) in items)
        {
            Interlocked.Increment(ref tally.Compared);
            if (found.TryGetValue(key, out var other) && DynamoValue.MapsEqual(item, other))
            {
                Interlocked.Increment(ref tally.Matched);
            }
            else
            {
                suspects.Add(key);
            }
        }

        await confirmation.ConfirmAsync(tally, suspects, read, passOne: true, cancellationToken).ConfigureAwait(false);
    }
}
