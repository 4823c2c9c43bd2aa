using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Replicator.IntegrationTests.Support;
using Replicator.MultiActive;
using Replicator.Tests.Contracts;

namespace Replicator.IntegrationTests.MultiActive;

/// <summary>The region tables' contract, kept by the hosts' region tables (DynamoDB's JSON protocol, no SDK marshaller) on moto.</summary>
[Collection(MotoCollection.Name)]
public sealed class DynamoDbHttpRegionTablesContractTests(MotoServer moto) : RegionTablesContract
{
    private const string Region = "ap-southeast-1";

    private IAmazonDynamoDB Client => moto.Clients.DynamoDb(Region);

    protected override IRegionTables Tables => moto.Clients.RegionTables(Region);

    protected override async Task<string> CreateTableAsync(string keyAttribute)
    {
        var name = MotoServer.UniqueName("region");
        await Client.CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition(keyAttribute, ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement(keyAttribute, KeyType.HASH)],
        }, TestContext.Current.CancellationToken);
        return name;
    }

    protected override string MissingTable() => MotoServer.UniqueName("no-such-table");
}
