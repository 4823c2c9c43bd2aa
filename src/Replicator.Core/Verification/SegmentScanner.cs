using Item = System.Collections.Generic.IReadOnlyDictionary<string, Replicator.Model.DynamoValue>;

namespace Replicator.Verification;

/// <summary>
/// A strongly consistent parallel scan of a table: every segment read page by page (each page
/// retried until read), at most <see cref="ReplicationOptions.MaxConcurrentSegments"/> segments
/// at once, each page handed on with the moment it was read, and disposed of once its handler is done.
/// </summary>
internal sealed class SegmentScanner(RetriedReads reads, int segments, TimeProvider time, VerifyProgress progress)
{
    public async Task ForEachPageAsync(ITableReader reader, IReadOnlyList<string>? projection, Func<ScanPage, DateTimeOffset, CancellationToken, Task> onPage, CancellationToken cancellationToken)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Min(segments, ReplicationOptions.MaxConcurrentSegments), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, segments), options, async (segment, token) =>
        {
            Item? start = null;
            do
            {
                var from = start;
                using var page = await reads.ReadAsync(t => reader.ScanAsync(segment, segments, from, projection, t), $"Scan of {reader.Table} (segment {segment} of {segments})", token).ConfigureAwait(false);
                progress.Scanned(page.Scanned ?? page.Items.Count);
                await onPage(page, time.GetUtcNow(), token).ConfigureAwait(false);
                start = page.LastEvaluatedKey;
            }
            while (start is not null);
        }).ConfigureAwait(false);
    }
}
