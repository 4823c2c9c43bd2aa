using System.Collections.Concurrent;
using Replicator.Model;
using Replicator.MultiActive;

namespace Replicator.ApplyBench;

/// <summary>
/// One region's tables for the multi-active scenarios: the tests' in-memory region
/// (<c>InMemoryRegion</c>, which keeps the conditional-write contract the DynamoDB edge keeps)
/// answering every call after <see cref="Delay"/>, the round trip, and counting the calls by
/// table and kind. No HTTP and no SDK: what the one-way scenarios spend serialising requests is
/// not spent here.
/// </summary>
internal sealed class DelayedRegion(IRegionTables inner, TimeSpan delay) : IRegionTables
{
    private readonly ConcurrentDictionary<string, long> _calls = new();

    public string Region => inner.Region;

    public TimeSpan Delay => delay;

    /// <summary>Calls since the last <see cref="Reset"/>, by "table kind" (a transaction by its writes' tables and kinds).</summary>
    public IReadOnlyDictionary<string, long> Calls => _calls;

    public void Reset() => _calls.Clear();

    public async Task<TableWriteOutcome> WriteAsync(TableWrite write, CancellationToken cancellationToken)
    {
        Count($"{Kind(write)} {TableOf(write.Table)}");
        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        return await inner.WriteAsync(write, cancellationToken).ConfigureAwait(false);
    }

    public async Task<TransactionOutcome> TransactAsync(IReadOnlyList<TableWrite> writes, CancellationToken cancellationToken)
    {
        Count($"transaction ({string.Join(" + ", writes.Select(write => $"{Kind(write)} {TableOf(write.Table)}"))})");
        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        return await inner.TransactAsync(writes, cancellationToken).ConfigureAwait(false);
    }

    public async Task<TableReadOutcome> ReadAsync(string table, IReadOnlyList<ItemKey> keys, CancellationToken cancellationToken)
    {
        Count($"read {TableOf(table)}{(keys.Count > 1 ? " (batch)" : "")}");
        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        return await inner.ReadAsync(table, keys, cancellationToken).ConfigureAwait(false);
    }

    private void Count(string what) => _calls.AddOrUpdate(what, 1, (_, count) => count + 1);

    private static string Kind(TableWrite write) => write switch
    {
        TableWrite.Put => "put",
        TableWrite.Set => "set",
        TableWrite.Delete => "delete",
        TableWrite.Check => "check",
        _ => write.GetType().Name,
    };

    private static string TableOf(string table) =>
        table.EndsWith("-replicator-tombstones", StringComparison.Ordinal) ? "tombstones"
        : table.EndsWith("-replicator-conflicts", StringComparison.Ordinal) ? "conflicts"
        : "table";
}
