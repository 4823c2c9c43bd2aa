using Replicator.Model;

namespace Replicator.MultiActive;

/// <summary>
/// The tables of one region as multi-active replication uses them: the user's table and its
/// side tables, written with conditions, alone or in a transaction across them. The AWS edge
/// implements it on DynamoDB; tests implement it in memory; one contract suite runs against
/// both. Like <see cref="Applying.ITargetWriter"/>, implementations do not retry and do not throw
/// for what the service answers.
/// </summary>
public interface IRegionTables
{
    string Region { get; }

    Task<TableWriteOutcome> WriteAsync(TableWrite write, CancellationToken cancellationToken);

    /// <summary>TransactWriteItems: all of <paramref name="writes"/> (on distinct items) or none.</summary>
    Task<TransactionOutcome> TransactAsync(IReadOnlyList<TableWrite> writes, CancellationToken cancellationToken);

    /// <summary>Strongly consistent reads of <paramref name="keys"/> from <paramref name="table"/>.</summary>
    Task<TableReadOutcome> ReadAsync(string table, IReadOnlyList<ItemKey> keys, CancellationToken cancellationToken);
}
