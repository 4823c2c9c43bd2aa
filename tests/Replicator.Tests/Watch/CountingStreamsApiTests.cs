using Replicator.Streams;
using Replicator.Tests.Streams;

namespace Replicator.Tests.Watch;

/// <summary>The counting wrapper can see what the watch must never do: two GetRecords at once.</summary>
public sealed class CountingStreamsApiTests
{
    [Fact]
    public async Task GetRecords_TwoAtOnceOnOneShard_AreCountedAsTwoInFlight()
    {
        var fake = new FakeStreamsApi();
        var shard = fake.AddShard();
        fake.Append(shard, "k", 1);
        var api = new CountingStreamsApi(fake) { Hold = TimeSpan.FromMilliseconds(50) };
        var first = await api.GetShardIteratorAsync(FakeStreamsApi.Arn, shard, ShardIteratorType.TrimHorizon, null, TestContext.Current.CancellationToken);
        var second = await api.GetShardIteratorAsync(FakeStreamsApi.Arn, shard, ShardIteratorType.TrimHorizon, null, TestContext.Current.CancellationToken);

        await Task.WhenAll(api.GetRecordsAsync(first, TestContext.Current.CancellationToken), api.GetRecordsAsync(second, TestContext.Current.CancellationToken));

        Assert.Equal(2, api.MaxInFlight);
        Assert.Equal(2, api.MaxInFlightPerShard[shard]);
    }
}
