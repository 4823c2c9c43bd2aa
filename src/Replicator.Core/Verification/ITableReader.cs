using Replicator.Applying;
using Replicator.Model;

namespace Replicator.Verification;

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
