using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.Aws.Verification;
using Replicator.IntegrationTests.Support;
using Replicator.Model;
using Replicator.Tests.Contracts;
using Replicator.Verification;
using Item = System.Collections.Generic.IReadOnlyDictionary<string, Replicator.Model.DynamoValue>;

namespace Replicator.IntegrationTests.Verification;

/// <summary>The reader's contract, kept on moto by the reader whose scans go over the JSON protocol (the backfill's source): the same suite the SDK reader and the in-memory table pass.</summary>
[Collection(MotoCollection.Name)]
public sealed class DynamoDbHttpTableReaderContractTests(MotoServer moto) : TableReaderContract
{
    private const string Region = "us-west-2";

    private IAmazonDynamoDB Client => moto.Clients.DynamoDb(Region);

    protected override async Task<ITableReader> CreateTableAsync(IReadOnlyList<KeyAttribute> key, IReadOnlyList<Item> items)
    {
        var name = MotoServer.UniqueName("contract");
        await Client.CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [.. key.Select(attribute => new AttributeDefinition(attribute.Name, attribute.Type))],
            KeySchema = [.. key.OrderByDescending(attribute => attribute.IsPartitionKey).Select(attribute => new KeySchemaElement(attribute.Name, attribute.IsPartitionKey ? KeyType.HASH : KeyType.RANGE))],
        }, Token);
        foreach (var chunk in items.Chunk(ReplicationOptions.MaxBatchWriteItems))
        {
            var response = await Client.BatchWriteItemAsync(new BatchWriteItemRequest
            {
                RequestItems = new() { [name] = [.. chunk.Select(item => new WriteRequest { PutRequest = new PutRequest { Item = AttributeValues.ToSdk(item) } })] },
            }, Token);
            Assert.True(response.UnprocessedItems is null || response.UnprocessedItems.Count == 0, "moto left items unprocessed");
        }

        return moto.Clients.TableReader(new TargetTable(Region, name));
    }

    protected override Task DeleteAsync(ITableReader table, ItemKey key) =>
        Client.DeleteItemAsync(new DeleteItemRequest { TableName = table.Table.TableName, Key = AttributeValues.ToSdk(key.Attributes) }, Token);

    protected override ITableReader MissingTable() => moto.Clients.TableReader(new TargetTable(Region, MotoServer.UniqueName("no-such-table")));
}
