using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Replicator.Aws.MultiActive;
using Replicator.IntegrationTests.Support;
using Replicator.MultiActive;
using Replica = Replicator.MultiActive.Replica;

namespace Replicator.IntegrationTests.MultiActive;

/// <summary>Setup's side tables on moto: found missing, created with their key and TTL, and left alone the second time.</summary>
[Collection(MotoCollection.Name)]
public sealed class SideTablesTests(MotoServer moto)
{
    private const string Region = "eu-north-1";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private IAmazonDynamoDB Client => moto.Clients.DynamoDb(Region);

    [Fact]
    public async Task Missing_BeforeSetup_NamesBothSideTables()
    {
        var table = await moto.CreateTableAsync(Region, "user");

        var missing = await SideTables.MissingAsync(Client, table, Token);

        Assert.Equal([Replica.TombstonesOf(table), Replica.ConflictsOf(table)], missing);
    }

    [Fact]
    public async Task Ensure_CreatesBothOnDemand_KeyedAsTheirItems_WithoutStream_WithTimeToLiveOnExpires_ThenNothingIsMissing()
    {
        var table = await moto.CreateTableAsync(Region, "user");

        var created = await SideTables.EnsureAsync(Client, table, Token);

        Assert.Equal([Replica.TombstonesOf(table), Replica.ConflictsOf(table)], created);
        Assert.Empty(await SideTables.MissingAsync(Client, table, Token));
        await AssertSideTableAsync(Replica.TombstonesOf(table), Tombstone.KeyAttribute, Tombstone.ExpiresAttribute);
        await AssertSideTableAsync(Replica.ConflictsOf(table), ConflictItems.IdAttribute, ConflictItems.ExpiresAttribute);
    }

    [Fact]
    public async Task Ensure_RunAgain_CreatesNothing_AndKeepsWhatTheTablesHold()
    {
        var table = await moto.CreateTableAsync(Region, "user");
        await SideTables.EnsureAsync(Client, table, Token);
        var tombstones = Replica.TombstonesOf(table);
        await Client.PutItemAsync(new PutItemRequest { TableName = tombstones, Item = new() { [Tombstone.KeyAttribute] = new AttributeValue { S = "kept" } } }, Token);

        var again = await SideTables.EnsureAsync(Client, table, Token);

        Assert.Empty(again);
        Assert.NotNull((await Client.GetItemAsync(new GetItemRequest { TableName = tombstones, Key = new() { [Tombstone.KeyAttribute] = new AttributeValue { S = "kept" } }, ConsistentRead = true }, Token)).Item);
    }

    [Fact]
    public async Task Ensure_WithOneSideTableMadeByHandWithoutTimeToLive_CreatesTheOther_AndTurnsTimeToLiveOnForBoth()
    {
        var table = await moto.CreateTableAsync(Region, "user");
        var conflicts = Replica.ConflictsOf(table);
        await Client.CreateTableAsync(new CreateTableRequest
        {
            TableName = conflicts,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition(ConflictItems.IdAttribute, ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement(ConflictItems.IdAttribute, KeyType.HASH)],
        }, Token);

        var created = await SideTables.EnsureAsync(Client, table, Token);

        Assert.Equal([Replica.TombstonesOf(table)], created);
        await AssertSideTableAsync(conflicts, ConflictItems.IdAttribute, ConflictItems.ExpiresAttribute);
    }

    [Fact]
    public async Task Ensure_OnASideTableWithTimeToLiveOnAnotherAttribute_FailsNamingIt()
    {
        var table = await moto.CreateTableAsync(Region, "user");
        await SideTables.EnsureAsync(Client, table, Token);
        var tombstones = Replica.TombstonesOf(table);
        await Client.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest { TableName = tombstones, TimeToLiveSpecification = new TimeToLiveSpecification { Enabled = true, AttributeName = "ttl" } }, Token);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SideTables.EnsureAsync(Client, table, Token));

        Assert.Contains(tombstones, error.Message, StringComparison.Ordinal);
        Assert.Contains("ttl", error.Message, StringComparison.Ordinal);
    }

    private async Task AssertSideTableAsync(string name, string keyAttribute, string expiresAttribute)
    {
        var description = (await Client.DescribeTableAsync(new DescribeTableRequest { TableName = name }, Token)).Table;
        Assert.Equal(TableStatus.ACTIVE, description.TableStatus);
        Assert.Equal(BillingMode.PAY_PER_REQUEST, description.BillingModeSummary?.BillingMode);
        var key = Assert.Single(description.KeySchema);
        Assert.Equal((keyAttribute, KeyType.HASH), (key.AttributeName, key.KeyType));
        Assert.Equal(ScalarAttributeType.S, Assert.Single(description.AttributeDefinitions).AttributeType);
        Assert.NotEqual(true, description.StreamSpecification?.StreamEnabled);
        var ttl = (await Client.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = name }, Token)).TimeToLiveDescription;
        Assert.Equal((TimeToLiveStatus.ENABLED, expiresAttribute), (ttl.TimeToLiveStatus, ttl.AttributeName));
    }
}
