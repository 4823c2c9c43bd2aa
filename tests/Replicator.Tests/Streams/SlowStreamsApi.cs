using Replicator.Streams;

namespace Replicator.Tests.Streams;

/// <summary>
/// <see cref="FakeStreamsApi"/> with a round trip (<paramref name="delay"/>) on GetShardIterator and
/// GetRecords, counting the calls in flight at once, overall and by shard (each iterator's shard is
/// remembered from the call that gave it).
/// </summary>
internal sealed class SlowStreamsApi(FakeStreamsApi inner, TimeSpan delay) : IStreamsApi
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _shardOf = new(StringComparer.Ordinal);

    public InFlight Reads { get; } = new();

    public Task<IReadOnlyList<StreamSummary>> ListStreamsAsync(string tableName, CancellationToken cancellationToken) => inner.ListStreamsAsync(tableName, cancellationToken);

    public Task<StreamDescription> DescribeStreamAsync(string streamArn, CancellationToken cancellationToken) => inner.DescribeStreamAsync(streamArn, cancellationToken);

    public Task<string> GetShardIteratorAsync(string streamArn, string shardId, ShardIteratorType type, string? sequenceNumber, CancellationToken cancellationToken) =>
        Reads.RunAsync(shardId, async () =>
        {
            await Task.Delay(delay, cancellationToken);
            var iterator = await inner.GetShardIteratorAsync(streamArn, shardId, type, sequenceNumber, cancellationToken);
            _shardOf[iterator] = shardId;
            return iterator;
        });

    public Task<RecordsPage> GetRecordsAsync(string shardIterator, CancellationToken cancellationToken)
    {
        var shardId = _shardOf.GetValueOrDefault(shardIterator, "?");
        return Reads.RunAsync(shardId, async () =>
        {
            await Task.Delay(delay, cancellationToken);
            var page = await inner.GetRecordsAsync(shardIterator, cancellationToken);
            if (page.NextShardIterator is { } next)
            {
                _shardOf[next] = shardId;
            }

            return page;
        });
    }
}
