using Replicator.Aws.MultiActive;
using Replicator.IntegrationTests.Support;
using Replicator.Model;
using Replicator.MultiActive;
using Replicator.Streams;

namespace Replicator.IntegrationTests.MultiActive;

/// <summary>
/// What moto's stream emits for the writes multi-active makes (DynamoDbRegionTables' doc comment
/// and LOCAL-AWS.md say it too): a test that fails here means moto changed, and what the
/// replicator may count on from it with it.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class MotoStreamOfConditionalWritesTests(MotoServer moto)
{
    private const string Region = "sa-east-1";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static ItemKey Key(string pk) => new(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String(pk) });

    private static Dictionary<string, DynamoValue> Item(string pk, string data) => new() { ["pk"] = DynamoValue.String(pk), ["data"] = DynamoValue.String(data) };

    private async Task<IReadOnlyList<ChangeRecord>> RecordsAsync(string table)
    {
        var streams = moto.Clients.Streams(Region);
        var arn = (await moto.Clients.DynamoDb(Region).DescribeTableAsync(table, Token)).Table.LatestStreamArn;
        var shard = Assert.Single((await streams.DescribeStreamAsync(arn, Token)).Shards);
        var page = await streams.GetRecordsAsync(await streams.GetShardIteratorAsync(arn, shard.ShardId, ShardIteratorType.TrimHorizon, null, Token), Token);
        return page.Batch.Records;
    }

    [Fact]
    public async Task TransactionPut_EmitsOneOrdinaryRecordWithBothImages_AndItsConditionCheckEmitsNone()
    {
        var table = await moto.CreateTableAsync(Region, "stream", stream: true);
        var tables = new DynamoDbRegionTables(moto.Clients.DynamoDb(Region), Region);
        var check = new TableWrite.Check(table, Key("other"), Condition.Missing(new AttributePath("pk")));

        Assert.IsType<TransactionOutcome.Written>(await tables.TransactAsync([check, new TableWrite.Put(table, Key("a"), Item("a", "first"), null)], Token));
        Assert.IsType<TransactionOutcome.Written>(await tables.TransactAsync([check, new TableWrite.Put(table, Key("a"), Item("a", "second"), null)], Token));

        var records = await RecordsAsync(table);
        Assert.Equal([ChangeKind.Insert, ChangeKind.Modify], records.Select(record => record.Kind));
        Assert.All(records, record => Assert.Equal(Key("a"), record.Key));
        Assert.Null(records[0].OldImage);
        Assert.Equal("first", records[0].NewImage!["data"].AsString());
        Assert.Equal(("first", "second"), (records[1].OldImage!["data"].AsString(), records[1].NewImage!["data"].AsString()));
    }

    [Fact]
    public async Task UpdateThatCreatesAnItem_EmitsTwoInsertRecordsOnMoto_TheFirstWithTheKeyOnly()
    {
        // AWS emits one INSERT with the whole item; a replicator must not count on either.
        var table = await moto.CreateTableAsync(Region, "stream", stream: true);
        var tables = new DynamoDbRegionTables(moto.Clients.DynamoDb(Region), Region);

        Assert.IsType<TableWriteOutcome.Written>(await tables.WriteAsync(new TableWrite.Set(table, Key("a"), "data", DynamoValue.String("x"), null), Token));

        var records = await RecordsAsync(table);
        Assert.Equal([ChangeKind.Insert, ChangeKind.Insert], records.Select(record => record.Kind));
        Assert.Equal(["pk"], records[0].NewImage!.Keys);
        Assert.Equal("x", records[1].NewImage!["data"].AsString());
        Assert.All(records, record => Assert.Null(record.OldImage));
    }
}
