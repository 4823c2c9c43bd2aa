using Amazon.DynamoDBv2.Model;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.IntegrationTests.Support;
using Replicator.Model;
using Replicator.Tests.Contracts;

namespace Replicator.IntegrationTests.Engine;

/// <summary>The writer contract, against the hosts' writer (DynamoDB's JSON protocol, no SDK marshaller) and DynamoDB as moto serves it.</summary>
[Collection(MotoCollection.Name)]
public sealed class DynamoDbHttpWriterContractTests(MotoServer moto) : TargetWriterContract
{
    private const string Region = "us-west-2";

    protected override async Task<ITargetWriter> NewTableAsync() =>
        moto.Clients.Writer(new TargetTable(Region, await moto.CreateTableAsync(Region, "contract")));

    protected override ITargetWriter MissingTable() =>
        moto.Clients.Writer(new TargetTable(Region, MotoServer.UniqueName("missing")));

    protected override async Task<IReadOnlyDictionary<string, DynamoValue>?> ReadAsync(ITargetWriter writer, ItemKey key)
    {
        var response = await moto.Clients.DynamoDb(Region).GetItemAsync(
            new GetItemRequest { TableName = writer.Target.RequestName, Key = AttributeValues.ToSdk(key.Attributes), ConsistentRead = true },
            TestContext.Current.CancellationToken);
        return response.Item is { Count: > 0 } item ? AttributeValues.FromSdk(item) : null;
    }
}
