using Replicator.Model;

namespace Replicator.Verification;

/// <summary>
/// One page of a scan segment; <see cref="LastEvaluatedKey"/> is null on the segment's last page.
/// Disposing of it gives back the buffer its items may be slices of (<see cref="Lease"/>): whoever
/// reads a page disposes of it when done, and keeps nothing of its items past that.
/// </summary>
public sealed record ScanPage(IReadOnlyList<IReadOnlyDictionary<string, DynamoValue>> Items, IReadOnlyDictionary<string, DynamoValue>? LastEvaluatedKey) : IDisposable
{
    /// <summary>
    /// How many items the table read for this page: more than <see cref="Items"/> when a reader
    /// left some out (a filter), so that a rate or an ETA against the table's item count goes by
    /// what was read. Null: <see cref="Items"/> is all there was.
    /// </summary>
    public int? Scanned { get; init; }

    /// <summary>The capacity units the read consumed, when the reader asked the service to say (for a read budget); else null.</summary>
    public double? ConsumedUnits { get; init; }

    /// <summary>The rented buffer the items are read from, when the reader rented one (a page made with <c>with</c> shares it).</summary>
    public IDisposable? Lease { get; init; }

    public void Dispose() => Lease?.Dispose();
}

/// <summary>What one BatchGetItem came to: the items found (absent keys are simply not there) and the keys the service left unprocessed.</summary>
public sealed record BatchGetResult(IReadOnlyList<IReadOnlyDictionary<string, DynamoValue>> Items, IReadOnlyList<ItemKey> Unprocessed)
{
    /// <summary>The capacity units the read consumed, when the reader asked the service to say (for a read budget); else null.</summary>
    public double? ConsumedUnits { get; init; }
}
