using Replicator.Model;
using Item = System.Collections.Generic.IReadOnlyDictionary<string, Replicator.Model.DynamoValue>;

namespace Replicator.Verification;

/// <summary>Reads one key again on the source and on a target, strongly consistent (GetItem), each read retried.</summary>
internal sealed class Rereader(ITableReader source, RetriedReads reads)
{
    /// <summary>The source first, then the target: a change replicating meanwhile has had the longest time to land.</summary>
    public async Task<(Item? Source, Item? Target)> BothAsync(ITableReader target, ItemKey key, CancellationToken cancellationToken)
    {
        var onSource = await reads.ReadAsync(token => source.GetAsync(key, token), $"GetItem on {source.Table}", cancellationToken).ConfigureAwait(false);
        var onTarget = await reads.ReadAsync(token => target.GetAsync(key, token), $"GetItem on {target.Table}", cancellationToken).ConfigureAwait(false);
        return (onSource, onTarget);
    }
}
