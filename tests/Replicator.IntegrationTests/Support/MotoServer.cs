using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Replicator.Aws;
using Replicator.Cli;

namespace Replicator.IntegrationTests.Support;

/// <summary>
/// A real moto server (DynamoDB, DynamoDB Streams, SQS) on a free loopback port, for the whole
/// test collection. Fails loudly, never skips, when moto cannot be found or started.
/// Tests share it and keep apart by using their own table and queue names (<see cref="UniqueName"/>).
/// </summary>
public sealed class MotoServer : IAsyncLifetime
{
    public static readonly BasicAWSCredentials Credentials = new("testing", "testing");

    private LocalMoto? _moto;

    public string Endpoint { get; private set; } = "";

    public AwsClients Clients { get; private set; } = new(Credentials);

    /// <summary>Starts moto the way `replicator demo` does; fails with how to install it when it is missing.</summary>
    public async ValueTask InitializeAsync()
    {
        if (LocalMoto.Locate() is null)
        {
            throw new InvalidOperationException($"The integration tests need moto: {LocalMoto.NotInstalled}");
        }

        _moto = await LocalMoto.StartAsync(CancellationToken.None);
        Endpoint = _moto.Endpoint.ToString().TrimEnd('/');
        Clients = new AwsClients(Credentials, Endpoint);
    }

    /// <summary>A name no other test uses: tables and queues are shared by the whole collection.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)];

    /// <summary>
    /// Creates a table (partition key <c>pk</c>, optional sort key <c>sk</c>, of the given types) and waits until it is active;
    /// named <paramref name="name"/> when given (one name in several regions), else a <see cref="UniqueName"/>.
    /// </summary>
    public async Task<string> CreateTableAsync(string region, string prefix = "table", string partitionKeyType = "S", string? sortKeyType = null, bool stream = false, string? name = null)
    {
        name ??= UniqueName(prefix);
        var request = new CreateTableRequest
        {
            TableName = name,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("pk", partitionKeyType)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
        };
        if (sortKeyType is not null)
        {
            request.AttributeDefinitions.Add(new AttributeDefinition("sk", sortKeyType));
            request.KeySchema.Add(new KeySchemaElement("sk", KeyType.RANGE));
        }

        if (stream)
        {
            request.StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = StreamViewType.NEW_AND_OLD_IMAGES };
        }

        await Clients.DynamoDb(region).CreateTableAsync(request);
        return name;
    }

    /// <summary>Every item of a table, by a full scan (strongly consistent).</summary>
    public async Task<List<Dictionary<string, AttributeValue>>> ScanAsync(string region, string table)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await Clients.DynamoDb(region).ScanAsync(new ScanRequest { TableName = table, ExclusiveStartKey = start, ConsistentRead = true });
            items.AddRange(page.Items ?? []);
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
        return items;
    }

    public async ValueTask DisposeAsync()
    {
        Clients.Dispose();
        if (_moto is not null)
        {
            await _moto.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class MotoCollection : ICollectionFixture<MotoServer>
{
    public const string Name = "moto";
}
