using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Replicator.MultiActive;
using Replica = Replicator.MultiActive.Replica;

namespace Replicator.Aws.MultiActive;

/// <summary>
/// The side tables multi-active replication keeps beside a user's table: tombstones
/// (<see cref="Replica.TombstonesOf"/>, partition key <see cref="Tombstone.KeyAttribute"/>) and
/// conflicts (<see cref="Replica.ConflictsOf"/>, partition key <see cref="ConflictItems.IdAttribute"/>),
/// both on demand, without a stream, their items expired by TTL on <c>expires</c>. Setup makes
/// them (<see cref="EnsureAsync(IAmazonDynamoDB, string, CancellationToken)"/>), and may run again:
/// a table that exists is left as it is, only its TTL turned on if it is off. What the service
/// answers is thrown: setup is a command a person runs, and the message says what failed.
/// </summary>
public static class SideTables
{
    /// <summary>A new table is usually ACTIVE within seconds; a DescribeTable a second until then.</summary>
    private static readonly TimeSpan ActivePollInterval = TimeSpan.FromSeconds(1);

    /// <summary>Longer than a table takes to become ACTIVE, short enough that a stuck setup says so.</summary>
    private static readonly TimeSpan ActiveTimeout = TimeSpan.FromMinutes(5);

    private sealed record Side(string Name, string KeyAttribute, string ExpiresAttribute);

    private static IReadOnlyList<Side> Of(string table) =>
    [
        new(Replica.TombstonesOf(table), Tombstone.KeyAttribute, Tombstone.ExpiresAttribute),
        new(Replica.ConflictsOf(table), ConflictItems.IdAttribute, ConflictItems.ExpiresAttribute),
    ];

    /// <summary>The names of <paramref name="table"/>'s side tables that do not exist.</summary>
    public static async Task<IReadOnlyList<string>> MissingAsync(IAmazonDynamoDB client, string table, CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        foreach (var side in Of(table))
        {
            if (await DescribeAsync(client, side.Name, cancellationToken).ConfigureAwait(false) is null)
            {
                missing.Add(side.Name);
            }
        }

        return missing;
    }

    /// <summary>Creates the side tables that are missing, waits until they are ACTIVE, and turns TTL on where it is off; returns the names it created.</summary>
    public static Task<IReadOnlyList<string>> EnsureAsync(IAmazonDynamoDB client, string table, CancellationToken cancellationToken) =>
        EnsureAsync(client, table, TimeProvider.System, cancellationToken);

    /// <inheritdoc cref="EnsureAsync(IAmazonDynamoDB, string, CancellationToken)"/>
    public static async Task<IReadOnlyList<string>> EnsureAsync(IAmazonDynamoDB client, string table, TimeProvider time, CancellationToken cancellationToken)
    {
        var created = new List<string>();
        foreach (var side in Of(table))
        {
            if (await DescribeAsync(client, side.Name, cancellationToken).ConfigureAwait(false) is null
                && await CreateAsync(client, side, cancellationToken).ConfigureAwait(false))
            {
                created.Add(side.Name);
            }

            await WaitUntilActiveAsync(client, side.Name, time, cancellationToken).ConfigureAwait(false);
            await EnableTimeToLiveAsync(client, side, cancellationToken).ConfigureAwait(false);
        }

        return created;
    }

    private static async Task<TableDescription?> DescribeAsync(IAmazonDynamoDB client, string name, CancellationToken cancellationToken)
    {
        try
        {
            return (await client.DescribeTableAsync(new DescribeTableRequest { TableName = name }, cancellationToken).ConfigureAwait(false)).Table;
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    /// <summary>False when another setup created it first (ResourceInUseException): it exists, and is not ours to report.</summary>
    private static async Task<bool> CreateAsync(IAmazonDynamoDB client, Side side, CancellationToken cancellationToken)
    {
        try
        {
            await client.CreateTableAsync(new CreateTableRequest
            {
                TableName = side.Name,
                BillingMode = BillingMode.PAY_PER_REQUEST,
                AttributeDefinitions = [new AttributeDefinition(side.KeyAttribute, ScalarAttributeType.S)],
                KeySchema = [new KeySchemaElement(side.KeyAttribute, KeyType.HASH)],
            }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ResourceInUseException)
        {
            return false;
        }
    }

    private static async Task WaitUntilActiveAsync(IAmazonDynamoDB client, string name, TimeProvider time, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + ActiveTimeout;
        while (true)
        {
            var status = (await DescribeAsync(client, name, cancellationToken).ConfigureAwait(false))?.TableStatus;
            if (status == TableStatus.ACTIVE)
            {
                return;
            }

            if (time.GetUtcNow() >= deadline)
            {
                throw new TimeoutException($"the side table {name} is not ACTIVE after {ActiveTimeout.TotalMinutes:0} minutes (status: {status?.Value ?? "not found"})");
            }

            await Task.Delay(ActivePollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// DescribeTimeToLive first: AWS refuses UpdateTimeToLive on a table whose TTL is already on
    /// (moto accepts it). A table has at most one TTL attribute, so one on another attribute is an
    /// error to fix by hand, not something to overwrite.
    /// </summary>
    private static async Task EnableTimeToLiveAsync(IAmazonDynamoDB client, Side side, CancellationToken cancellationToken)
    {
        var ttl = (await client.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = side.Name }, cancellationToken).ConfigureAwait(false)).TimeToLiveDescription;
        var status = ttl?.TimeToLiveStatus;
        if (status == TimeToLiveStatus.ENABLED || status == TimeToLiveStatus.ENABLING)
        {
            if (ttl!.AttributeName != side.ExpiresAttribute)
            {
                throw new InvalidOperationException($"the side table {side.Name} has TTL on {ttl.AttributeName}, not on {side.ExpiresAttribute}: turn it off (aws dynamodb update-time-to-live) and run setup again");
            }

            return;
        }

        await client.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
        {
            TableName = side.Name,
            TimeToLiveSpecification = new TimeToLiveSpecification { Enabled = true, AttributeName = side.ExpiresAttribute },
        }, cancellationToken).ConfigureAwait(false);
    }
}
