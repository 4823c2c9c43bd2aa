using Replicator.Model;
using Replicator.Parsing;
using Replicator.Streams;

namespace Replicator.TestSupport.Contracts;

/// <summary>
/// What the poller relies on from the DynamoDB Streams API, on one open shard (all that moto can
/// serve): run against <c>FakeStreamsApi</c> in the unit tests and against the real client on moto
/// in the integration tests, so that the fake cannot drift from the real thing. An empty page is
/// allowed anywhere (DynamoDB may answer empty before records that exist), so reads go on for a
/// few pages before they conclude.
/// </summary>
public abstract class StreamsApiContract
{
    /// <summary>Pages read before concluding that no more records will come.</summary>
    private const int MaxPages = 10;

    protected abstract IStreamsApi Api { get; }

    /// <summary>A new stream with one open shard and no records yet; returns its ARN.</summary>
    protected abstract Task<string> NewStreamAsync();

    /// <summary>Appends a change to the stream: the item with key <c>pk = key</c> now has version <paramref name="version"/>.</summary>
    protected abstract Task AppendAsync(string key, int version);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<(string Arn, string Shard)> OneShardAsync()
    {
        var arn = await NewStreamAsync();
        var description = await Api.DescribeStreamAsync(arn, Cancel);
        return (arn, Assert.Single(description.Shards).ShardId);
    }

    private async Task AppendAsync(params string[] keys)
    {
        foreach (var key in keys)
        {
            await AppendAsync(key, 1);
        }
    }

    /// <summary>Reads from <paramref name="iterator"/> until <paramref name="count"/> records came or <see cref="MaxPages"/> pages were read; every page of an open shard has a next iterator.</summary>
    private async Task<(List<ChangeRecord> Records, string Next)> ReadAsync(string iterator, int count)
    {
        var records = new List<ChangeRecord>();
        for (var page = 0; page < MaxPages && (records.Count < count || page == 0); page++)
        {
            var read = await Api.GetRecordsAsync(iterator, Cancel);
            records.AddRange(read.Batch.Records);
            Assert.NotNull(read.NextShardIterator);
            iterator = read.NextShardIterator;
        }

        return (records, iterator);
    }

    private static List<string> Keys(IEnumerable<ChangeRecord> records) => [.. records.Select(record => record.Key.Attributes["pk"].AsString())];

    private async Task<List<ChangeRecord>> AllAsync(string arn, string shard, int count) =>
        (await ReadAsync(await Api.GetShardIteratorAsync(arn, shard, ShardIteratorType.TrimHorizon, null, Cancel), count)).Records;

    [Fact]
    public async Task DescribeStream_ListsTheOpenShard()
    {
        var arn = await NewStreamAsync();
        await AppendAsync("a");

        var description = await Api.DescribeStreamAsync(arn, Cancel);

        Assert.Equal(arn, description.StreamArn);
        var shard = Assert.Single(description.Shards);
        Assert.False(shard.IsClosed);
        Assert.Null(shard.ParentShardId);
    }

    [Fact]
    public async Task TrimHorizon_StartsAtTheFirstRecord_InOrder_WithGrowingSequenceNumbers()
    {
        var (arn, shard) = await OneShardAsync();
        await AppendAsync("a", "b", "c", "d");

        var records = await AllAsync(arn, shard, 4);

        Assert.Equal(["a", "b", "c", "d"], Keys(records));
        var sequence = records.Select(record => record.SequenceNumber).ToList();
        Assert.Equal(sequence.Order(), sequence);
        Assert.Equal(sequence.Count, sequence.Distinct().Count());
    }

    [Fact]
    public async Task AfterSequenceNumber_StartsAfterIt_AndAtSequenceNumber_AtIt()
    {
        var (arn, shard) = await OneShardAsync();
        await AppendAsync("a", "b", "c", "d");
        var second = (await AllAsync(arn, shard, 4))[1].SequenceNumber;

        var after = await ReadAsync(await Api.GetShardIteratorAsync(arn, shard, ShardIteratorType.AfterSequenceNumber, second.Value, Cancel), 2);
        var at = await ReadAsync(await Api.GetShardIteratorAsync(arn, shard, ShardIteratorType.AtSequenceNumber, second.Value, Cancel), 3);

        Assert.Equal(["c", "d"], Keys(after.Records));
        Assert.Equal(["b", "c", "d"], Keys(at.Records));
    }

    [Fact]
    public async Task Latest_StartsAfterTheLastRecord()
    {
        var (arn, shard) = await OneShardAsync();
        await AppendAsync("before");
        var latest = await Api.GetShardIteratorAsync(arn, shard, ShardIteratorType.Latest, null, Cancel);
        await AppendAsync("after");

        var read = await ReadAsync(latest, 1);

        Assert.Equal(["after"], Keys(read.Records));
    }

    [Fact]
    public async Task NextIterator_ContinuesWhereThePageEnded_WithoutRepeats()
    {
        var (arn, shard) = await OneShardAsync();
        await AppendAsync("a", "b");
        var first = await ReadAsync(await Api.GetShardIteratorAsync(arn, shard, ShardIteratorType.TrimHorizon, null, Cancel), 2);
        await AppendAsync("c", "d");

        var next = await ReadAsync(first.Next, 2);

        Assert.Equal(["a", "b"], Keys(first.Records));
        Assert.Equal(["c", "d"], Keys(next.Records));
        Assert.True(next.Records[0].SequenceNumber > first.Records[^1].SequenceNumber);
    }

    [Fact]
    public async Task EmptyShard_ReadsEmptyPages_WithANextIterator()
    {
        var (arn, shard) = await OneShardAsync();

        var read = await ReadAsync(await Api.GetShardIteratorAsync(arn, shard, ShardIteratorType.TrimHorizon, null, Cancel), 0);

        Assert.Empty(read.Records);
    }
}
