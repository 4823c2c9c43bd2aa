using Amazon.DynamoDBv2.Model;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.IntegrationTests.Engine;
using Replicator.IntegrationTests.Support;
using Replicator.Model;
using Replicator.Streams;

namespace Replicator.IntegrationTests.Streams;

[Collection(MotoCollection.Name)]
public sealed class StreamsOnMotoTests(MotoServer moto)
{
    private const string SourceRegion = "eu-west-1";

    private async Task<(string Table, string StreamArn)> SourceAsync()
    {
        var table = await moto.CreateTableAsync(SourceRegion, "source", stream: true);
        var description = await moto.Clients.DynamoDb(SourceRegion).DescribeTableAsync(table, TestContext.Current.CancellationToken);
        return (table, description.Table.LatestStreamArn);
    }

    private Task PutAsync(string table, string pk, int version) =>
        moto.Clients.DynamoDb(SourceRegion).PutItemAsync(new PutItemRequest { TableName = table, Item = AttributeValues.ToSdk(StreamEvents.Item(pk, version)) }, TestContext.Current.CancellationToken);

    [Fact]
    public async Task Client_ListsDescribesIteratesAndReads_TheStreamOfATable()
    {
        var (table, arn) = await SourceAsync();
        for (var i = 0; i < 5; i++)
        {
            await PutAsync(table, $"k{i}", i);
        }

        await moto.Clients.DynamoDb(SourceRegion).DeleteItemAsync(new DeleteItemRequest { TableName = table, Key = AttributeValues.ToSdk(StreamEvents.Key("k0")) }, TestContext.Current.CancellationToken);
        var streams = moto.Clients.Streams(SourceRegion);
        var cancel = TestContext.Current.CancellationToken;

        var listed = await streams.ListStreamsAsync(table, cancel);
        Assert.Equal(arn, Assert.Single(listed).StreamArn);

        var description = await streams.DescribeStreamAsync(arn, cancel);
        Assert.Equal("NEW_AND_OLD_IMAGES", description.StreamViewType);
        var shard = Assert.Single(description.Shards);

        var page = await streams.GetRecordsAsync(await streams.GetShardIteratorAsync(arn, shard.ShardId, ShardIteratorType.TrimHorizon, null, cancel), cancel);
        Assert.Empty(page.Batch.Malformed);
        Assert.Equal([ChangeKind.Insert, ChangeKind.Insert, ChangeKind.Insert, ChangeKind.Insert, ChangeKind.Insert, ChangeKind.Remove], page.Batch.Records.Select(r => r.Kind));
        Assert.Equal("3", page.Batch.Records[3].NewImage!["version"].AsNumber());
        Assert.NotNull(page.NextShardIterator);
        var sequence = page.Batch.Records.Select(r => r.SequenceNumber).ToList();
        Assert.Equal(sequence.Order(), sequence);

        var after = await streams.GetRecordsAsync(await streams.GetShardIteratorAsync(arn, shard.ShardId, ShardIteratorType.AfterSequenceNumber, sequence[2].Value, cancel), cancel);
        Assert.Equal(sequence.Skip(3), after.Batch.Records.Select(r => r.SequenceNumber));
        var at = await streams.GetRecordsAsync(await streams.GetShardIteratorAsync(arn, shard.ShardId, ShardIteratorType.AtSequenceNumber, sequence[2].Value, cancel), cancel);
        Assert.Equal(sequence.Skip(2), at.Batch.Records.Select(r => r.SequenceNumber));

        var latest = await streams.GetShardIteratorAsync(arn, shard.ShardId, ShardIteratorType.Latest, null, cancel);
        Assert.Equal(0, (await streams.GetRecordsAsync(latest, cancel)).Batch.Count);
        await PutAsync(table, "after-latest", 9);
        var fresh = await streams.GetRecordsAsync(latest, cancel);
        Assert.Equal("after-latest", Assert.Single(fresh.Batch.Records).Key.Attributes["pk"].AsString());
    }

    [Fact]
    public async Task Client_UnknownStream_IsNotFound()
    {
        var error = await Assert.ThrowsAsync<StreamsException>(() => moto.Clients.Streams(SourceRegion).DescribeStreamAsync(
            $"arn:aws:dynamodb:{SourceRegion}:123456789012:table/{MotoServer.UniqueName("missing")}/stream/2026-01-01T00:00:00.000", TestContext.Current.CancellationToken));
        Assert.Equal(StreamsErrorKind.NotFound, error.Kind);
    }

    [Fact]
    public async Task Poller_ReplicatesASourceTableOnMoto_AndResumesFromItsCheckpoint()
    {
        var (table, arn) = await SourceAsync();
        var target = new TargetTable("us-west-2", await moto.CreateTableAsync("us-west-2", "target"));
        var checkpoint = Path.Combine(Path.GetTempPath(), $"{MotoServer.UniqueName("checkpoint")}.json");
        var engine = EngineHarness.Engine(moto.Clients, [target]);
        StreamPoller Poller() => new(
            moto.Clients.Streams(SourceRegion),
            engine,
            new FileCheckpointStore(checkpoint),
            new PollerSettings { StreamArn = arn, IdleDelay = TimeSpan.FromMilliseconds(50), StopAfterIdle = TimeSpan.FromMilliseconds(500) },
            TimeProvider.System,
            new Random(4));

        var random = new Random(21);
        async Task WriteAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                var pk = $"key-{random.Next(15)}";
                if (random.Next(4) == 0)
                {
                    await moto.Clients.DynamoDb(SourceRegion).DeleteItemAsync(new DeleteItemRequest { TableName = table, Key = AttributeValues.ToSdk(StreamEvents.Key(pk)) }, TestContext.Current.CancellationToken);
                }
                else
                {
                    await PutAsync(table, pk, random.Next(1000));
                }
            }
        }

        try
        {
            await WriteAsync(120);
            var first = await Poller().RunAsync(TestContext.Current.CancellationToken);
            Assert.Equal(PollerStop.Idle, first.Stop);
            await AssertSameAsync(table, target);

            await WriteAsync(60);
            var second = Poller();
            Assert.Equal(PollerStop.Idle, (await second.RunAsync(TestContext.Current.CancellationToken)).Stop);
            Assert.InRange(second.Progress.RecordsIn, 1, 60);
            await AssertSameAsync(table, target);
        }
        finally
        {
            File.Delete(checkpoint);
        }
    }

    private async Task AssertSameAsync(string table, TargetTable target)
    {
        var source = await EngineHarness.ContentsAsync(moto, new TargetTable(SourceRegion, table));
        EngineHarness.AssertSame(source, await EngineHarness.ContentsAsync(moto, target));
    }
}
