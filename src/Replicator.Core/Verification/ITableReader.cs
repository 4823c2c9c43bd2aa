using Replicator.Applying;
using Replicator.Model;

namespace Replicator.Verification;

/// <summary>One attribute of a table's primary key: its name, its type (S, N or B), and whether it is the partition key.</summary>
public sealed record KeyAttribute(string Name, string Type, bool IsPartitionKey)
{
    public override string ToString() => $"{Name} ({Type}, {(IsPartitionKey ? "partition key" : "sort key")})";
}

/// <summary>What verify needs to know about a table: its key, and DynamoDB's approximate item count (for an ETA only).</summary>
public sealed record TableShape(IReadOnlyList<KeyAttribute> Key, long ApproximateItemCount)
{
    public IReadOnlyList<string> KeyNames { get; } = Key.Select(attribute => attribute.Name).ToList();

    /// <summary>The same key: the same attribute names, types and roles.</summary>
    public bool SameKeyAs(TableShape other) =>
        Key.Count == other.Key.Count && Key.All(attribute => other.Key.Contains(attribute));

    public string DescribeKey() => string.Join(" + ", Key.OrderByDescending(attribute => attribute.IsPartitionKey));

    /// <summary>The key of an item of this table.</summary>
    public ItemKey KeyOf(IReadOnlyDictionary<string, DynamoValue> item)
    {
        var attributes = new Dictionary<string, DynamoValue>(Key.Count, StringComparer.Ordinal);
        foreach (var name in KeyNames)
        {
            attributes[name] = item.TryGetValue(name, out var value)
                ? value
                : throw new InvalidOperationException($"an item without its key attribute {name}: {DynamoJson.ToJson(item)}");
        }

        return new ItemKey(attributes);
    }
}

/// <summary>One page of a scan segment; <see cref="LastEvaluatedKey"/> is null on the segment's last page.</summary>
public sealed record ScanPage(IReadOnlyList<IReadOnlyDictionary<string, DynamoValue>> Items, IReadOnlyDictionary<string, DynamoValue>? LastEvaluatedKey);

/// <summary>What one BatchGetItem came to: the items found (absent keys are simply not there) and the keys the service left unprocessed.</summary>
public sealed record BatchGetResult(IReadOnlyList<IReadOnlyDictionary<string, DynamoValue>> Items, IReadOnlyList<ItemKey> Unprocessed);

/// <summary>
/// Reads one table for verify: the seam between the verifier and DynamoDB (the AWS edge implements
/// it with DescribeTable, Scan, BatchGetItem and GetItem; tests implement it in memory). Every read
/// is strongly consistent. Implementations do not retry: they throw <see cref="TableReadException"/>,
/// saying whether another try may help, and return unprocessed keys; the verifier retries. Every
/// attribute type comes back as the table holds it, numbers as their text (DynamoDB normalises a
/// number on write, <c>1E+3</c> to <c>1000</c>; moto does not). Reads of a table that does not exist
/// throw a <see cref="TableReadException"/> that is not <see cref="TableReadException.Retryable"/>.
/// The contract suite (<c>tests/Shared/Contracts/TableReaderContract.cs</c>) checks all of this
/// against the in-memory table and against DynamoDB on moto.
/// </summary>
public interface ITableReader
{
    TargetTable Table { get; }

    /// <summary>The table's key and approximate item count, or null when the table does not exist.</summary>
    Task<TableShape?> DescribeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// One page of segment <paramref name="segment"/> of <paramref name="totalSegments"/> of a parallel scan,
    /// from <paramref name="exclusiveStartKey"/> (null: the segment's start; else the previous page's
    /// LastEvaluatedKey, a position that holds even if that item was deleted since). The segments
    /// together return every item exactly once. With <paramref name="projection"/>, items carry only
    /// those attributes (the key's too only when named).
    /// </summary>
    Task<ScanPage> ScanAsync(int segment, int totalSegments, IReadOnlyDictionary<string, DynamoValue>? exclusiveStartKey, IReadOnlyList<string>? projection, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <see cref="ReplicationOptions.MaxBatchGetKeys"/> distinct keys in one request. Every key
    /// given is either among the items returned, absent from the table, or returned as unprocessed.
    /// </summary>
    Task<BatchGetResult> BatchGetAsync(IReadOnlyList<ItemKey> keys, IReadOnlyList<string>? projection, CancellationToken cancellationToken);

    /// <summary>The item with this key, or null when there is none.</summary>
    Task<IReadOnlyDictionary<string, DynamoValue>?> GetAsync(ItemKey key, CancellationToken cancellationToken);
}

/// <summary>A read the service refused, classified: <see cref="Retryable"/> for throttling, 5xx and dropped connections.</summary>
public sealed class TableReadException(string message, bool retryable, Exception? inner = null) : Exception(message, inner)
{
    public bool Retryable { get; } = retryable;
}

/// <summary>
/// Verify cannot start: a table does not exist, or a target's key differs from the source's. The
/// message names the option (<c>--source</c>, <c>--target</c>) and the table.
/// </summary>
public sealed class VerificationSetupException(string message) : Exception(message);
