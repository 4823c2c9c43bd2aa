using System.Collections.Concurrent;
using Replicator.Model;
using Item = System.Collections.Generic.IReadOnlyDictionary<string, Replicator.Model.DynamoValue>;

namespace Replicator.Verification;

/// <summary>
/// Looks keys up on a table: BatchGetItem in requests of at most
/// <see cref="ReplicationOptions.MaxBatchGetKeys"/> keys, a few in flight at once, each retried
/// until every key is found or known absent.
/// </summary>
internal sealed class KeyLookup(RetriedReads reads, int maxConcurrentRequests)
{
    /// <summary>The items with these keys, by key; absent keys are left out.</summary>
    public async Task<IReadOnlyDictionary<ItemKey, Item>> FindAsync(ITableReader reader, TableShape shape, IReadOnlyList<ItemKey> keys, IReadOnlyList<string>? projection, CancellationToken cancellationToken)
    {
        var found = new ConcurrentDictionary<ItemKey, Item>();
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxConcurrentRequests, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(keys.Chunk(ReplicationOptions.MaxBatchGetKeys), options, async (chunk, token) =>
        {
            foreach (var item in await reads.BatchGetAsync(reader, chunk, projection, token).ConfigureAwait(false))
            {
                found[shape.KeyOf(item)] = item;
            }
        }).ConfigureAwait(false);
        return found;
    }
}
