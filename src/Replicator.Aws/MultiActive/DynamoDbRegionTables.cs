using Amazon.DynamoDBv2;
using Replicator.Model;
using Replicator.MultiActive;

namespace Replicator.Aws.MultiActive;

/// <summary>Placeholder of the DynamoDB edge of multi-active replication, written on another branch; replaced at merge.</summary>
public sealed class DynamoDbRegionTables(IAmazonDynamoDB client, string region) : IRegionTables
{
    public string Region { get; } = region;

    public Task<TableWriteOutcome> WriteAsync(TableWrite write, CancellationToken cancellationToken) =>
        throw new NotImplementedException($"placeholder: {nameof(DynamoDbRegionTables)} for {client.Config.RegionEndpoint?.SystemName ?? Region} is written on another branch");

    public Task<TransactionOutcome> TransactAsync(IReadOnlyList<TableWrite> writes, CancellationToken cancellationToken) =>
        throw new NotImplementedException($"placeholder: {nameof(DynamoDbRegionTables)} is written on another branch");

    public Task<TableReadOutcome> ReadAsync(string table, IReadOnlyList<ItemKey> keys, CancellationToken cancellationToken) =>
        throw new NotImplementedException($"placeholder: {nameof(DynamoDbRegionTables)} is written on another branch");
}
