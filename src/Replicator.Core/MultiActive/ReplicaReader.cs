using Replicator.Applying;
using Replicator.Model;
using Replicator.Verification;

namespace Replicator.MultiActive;

/// <summary>
/// A multi-active table as verify reads it: every item as the table holds it, but for the one
/// field of the metadata that differs by region by design (<see cref="ReplicaMetadata.WrittenInField"/>,
/// the table a copy was written to). So regions that converged compare equal, data and versions
/// alike, and where they differ the metadata shows which version each region holds.
/// </summary>
public sealed class ReplicaReader(ITableReader inner, string metadataAttribute) : ITableReader
{
    public TargetTable Table => inner.Table;

    public Task<TableShape?> DescribeAsync(CancellationToken cancellationToken) => inner.DescribeAsync(cancellationToken);

    public async Task<ScanPage> ScanAsync(int segment, int totalSegments, IReadOnlyDictionary<string, DynamoValue>? exclusiveStartKey, IReadOnlyList<string>? projection, CancellationToken cancellationToken)
    {
        var page = await inner.ScanAsync(segment, totalSegments, exclusiveStartKey, projection, cancellationToken).ConfigureAwait(false);
        return page with { Items = [.. page.Items.Select(Comparable)] };
    }

    public async Task<BatchGetResult> BatchGetAsync(IReadOnlyList<ItemKey> keys, IReadOnlyList<string>? projection, CancellationToken cancellationToken)
    {
        var result = await inner.BatchGetAsync(keys, projection, cancellationToken).ConfigureAwait(false);
        return result with { Items = [.. result.Items.Select(Comparable)] };
    }

    public async Task<IReadOnlyDictionary<string, DynamoValue>?> GetAsync(ItemKey key, CancellationToken cancellationToken) =>
        await inner.GetAsync(key, cancellationToken).ConfigureAwait(false) is { } item ? Comparable(item) : null;

    /// <summary>The item without its metadata's region field.</summary>
    public IReadOnlyDictionary<string, DynamoValue> Comparable(IReadOnlyDictionary<string, DynamoValue> item)
    {
        if (!item.TryGetValue(metadataAttribute, out var metadata) || metadata.Type != DynamoType.M || !metadata.AsMap().ContainsKey(ReplicaMetadata.WrittenInField))
        {
            return item;
        }

        var fields = metadata.AsMap().Where(pair => pair.Key != ReplicaMetadata.WrittenInField).ToDictionary();
        return new Dictionary<string, DynamoValue>(item) { [metadataAttribute] = DynamoValue.Map(fields) };
    }
}
