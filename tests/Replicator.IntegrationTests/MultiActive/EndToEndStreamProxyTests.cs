using Amazon.DynamoDBv2.Model;
using Replicator.Aws;
using Replicator.IntegrationTests.Support;
using Replicator.Streams;

namespace Replicator.IntegrationTests.MultiActive;

/// <summary>The proxy the end-to-end test puts in front of moto's Streams API, so the replicators see whole seconds as on AWS.</summary>
[Collection(MotoCollection.Name)]
public sealed class EndToEndStreamProxyTests(MotoServer moto)
{
    private const string Region = "eu-west-1";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private async Task<IReadOnlyList<DateTimeOffset?>> TimesAsync(AwsClients clients, string table)
    {
        var streams = clients.Streams(Region);
        var arn = (await moto.Clients.DynamoDb(Region).DescribeTableAsync(table, Token)).Table.LatestStreamArn;
        var shard = Assert.Single((await streams.DescribeStreamAsync(arn, Token)).Shards);
        var page = await streams.GetRecordsAsync(await streams.GetShardIteratorAsync(arn, shard.ShardId, ShardIteratorType.TrimHorizon, null, Token), Token);
        return [.. page.Batch.Records.Select(record => record.ApproximateCreationTime)];
    }

    [Fact]
    public async Task GetRecordsThroughTheProxy_ChosenByTheStreamsEndpointVariable_HasWholeSecondTimestamps()
    {
        var table = await moto.CreateTableAsync(Region, "proxied", stream: true);
        for (var i = 0; i < 5; i++)
        {
            await moto.Clients.DynamoDb(Region).PutItemAsync(new PutItemRequest { TableName = table, Item = new() { ["pk"] = new() { S = $"k{i}" } } }, Token);
        }

        await using var proxy = new FaultProxy(moto.Endpoint) { Answer = StreamTimestamps.WholeSeconds };
        using var proxied = new AwsClients(MotoServer.Credentials, environment: name => name switch
        {
            "AWS_ENDPOINT_URL" => moto.Endpoint,
            "AWS_ENDPOINT_URL_DYNAMODB_STREAMS" => proxy.Endpoint,
            _ => null,
        });

        var direct = await TimesAsync(moto.Clients, table);
        var floored = await TimesAsync(proxied, table);

        // Five writes in a row on moto land in distinct milliseconds; if not a single one has a fraction the test proves nothing.
        Assert.Contains(direct, time => time!.Value.Millisecond != 0);
        Assert.Equal(direct.Select(time => time!.Value.ToUnixTimeSeconds()), floored.Select(time => time!.Value.ToUnixTimeSeconds()));
        Assert.All(floored, time => Assert.Equal(0, time!.Value.ToUnixTimeMilliseconds() % 1000));
        Assert.Contains(proxy.Log, call => call.Operation == "GetRecords");
    }
}
