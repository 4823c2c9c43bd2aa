using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Replicator.IntegrationTests.MultiActive;

/// <summary>
/// An application in one region: plain PutItem, UpdateItem and DeleteItem (no condition, no
/// metadata) on the same few keys as the other regions' applications, so that their writes collide.
/// </summary>
internal sealed class EndToEndWriter(IAmazonDynamoDB client, string table, string region, int keys, Random random)
{
    public int Puts { get; private set; }

    public int Updates { get; private set; }

    public int Deletes { get; private set; }

    /// <summary><paramref name="writes"/> writes, one every <paramref name="pace"/> at most (moto has other work: three replicators).</summary>
    public async Task RunAsync(int writes, TimeSpan pace, CancellationToken cancellationToken)
    {
        for (var i = 0; i < writes; i++)
        {
            var next = Task.Delay(pace, cancellationToken);
            await WriteAsync(i, cancellationToken);
            await next;
        }
    }

    private async Task WriteAsync(int i, CancellationToken cancellationToken)
    {
        var key = new Dictionary<string, AttributeValue> { ["pk"] = new() { S = $"user-{random.Next(keys)}" } };
        switch (random.Next(20))
        {
            case < 9:
                await client.PutItemAsync(new PutItemRequest
                {
                    TableName = table,
                    Item = new(key) { ["name"] = new() { S = $"{region} #{i}" }, ["visits"] = new() { N = $"{i}" } },
                }, cancellationToken);
                Puts++;
                break;
            case < 16:
                // Creates the item when it is missing: on moto that is two INSERT records, the first with the key only.
                await client.UpdateItemAsync(new UpdateItemRequest
                {
                    TableName = table,
                    Key = key,
                    UpdateExpression = "SET visits = if_not_exists(visits, :zero) + :one, lastRegion = :region",
                    ExpressionAttributeValues = new() { [":zero"] = new() { N = "0" }, [":one"] = new() { N = "1" }, [":region"] = new() { S = region } },
                }, cancellationToken);
                Updates++;
                break;
            default:
                await client.DeleteItemAsync(new DeleteItemRequest { TableName = table, Key = key }, cancellationToken);
                Deletes++;
                break;
        }
    }
}
