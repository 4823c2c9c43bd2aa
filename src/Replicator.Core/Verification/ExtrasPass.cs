namespace Replicator.Verification;

/// <summary>
/// Pass two: a parallel scan of one target's keys, each page's keys looked up on the source, so
/// that items the source lacks are found (an item on both sides was compared in pass one).
/// </summary>
internal sealed class ExtrasPass(ITableReader source, SegmentScanner scanner, KeyLookup lookup, Confirmation confirmation)
{
    public Task RunAsync(TableShape shape, Tally tally, CancellationToken cancellationToken) =>
        scanner.ForEachPageAsync(tally.Target.Reader, shape.KeyNames, async (page, read, token) =>
        {
            Interlocked.Add(ref tally.TargetItemsScanned, page.Items.Count);
            if (page.Items.Count == 0)
            {
                return;
            }

            var keys = page.Items.Select(shape.KeyOf).ToList();
            var onSource = await lookup.FindAsync(source, shape, keys, shape.KeyNames, token).ConfigureAwait(false);
            await confirmation.ConfirmAsync(tally, keys.Where(key => !onSource.ContainsKey(key)).ToList(), read, passOne: false, token).ConfigureAwait(false);
        }, cancellationToken);
}
