using Amazon.DynamoDBv2.Model;
using Replicator.Aws;
using Replicator.IntegrationTests.Support;
using Replicator.Streams;
using Replicator.TestSupport.Contracts;

namespace Replicator.IntegrationTests.Streams;

/// <summary>The Streams contract, kept by the real client (<see cref="DynamoDbStreamsClient"/>) on moto: the same suite the fake runs.</summary>
[Collection(MotoCollection.Name)]
public sealed class DynamoDbStreamsClientContractTests(MotoServer moto) : StreamsApiContract
{
    private const string Region = "eu-west-1";
    private string? _table;

    protected override IStreamsApi Api => moto.Clients.Streams(Region);

    protected override async Task<string> NewStreamAsync()
    {
        _table = await moto.CreateTableAsync(Region, "contract", stream: true);
        var description = await moto.Clients.DynamoDb(Region).DescribeTableAsync(_table, TestContext.Current.CancellationToken);
        return description.Table.LatestStreamArn;
    }

    protected override Task AppendAsync(string key, int version) =>
        moto.Clients.DynamoDb(Region).PutItemAsync(
            new PutItemRequest { TableName = _table ?? throw new InvalidOperationException("NewStreamAsync first"), Item = AttributeValues.ToSdk(StreamEvents.Item(key, version)) },
            TestContext.Current.CancellationToken);
}
