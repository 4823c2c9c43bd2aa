using System.Collections.Concurrent;
using Replicator.Streams;

namespace Replicator.Tests.Watch;

/// <summary>
/// Wraps a Streams API and records how many GetRecords calls were in flight at once, per shard and
/// overall (the most seen), and how many each shard got. Each call stays in flight a moment
/// (<see cref="Hold"/>), so that a reader issuing calls side by side would be seen doing it.
/// </summary>
internal sealed class CountingStreamsApi(IStreamsApi inner) : IStreamsApi
{
    private readonly ConcurrentDictionary<string, string> _shardOfIterator = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _inFlight = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private int _inFlightTotal;

    public TimeSpan Hold { get; init; } = TimeSpan.FromMilliseconds(2);

    public int MaxInFlight { get; private set; }

    public ConcurrentDictionary<string, int> MaxInFlightPerShard { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, int> GetRecordsPerShard { get; } = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<StreamSummary>> ListStreamsAsync(string tableName, CancellationToken cancellationToken) => inner.ListStreamsAsync(tableName, cancellationToken);

    public Task<StreamDescription> DescribeStreamAsync(string streamArn, CancellationToken cancellationToken) => inner.DescribeStreamAsync(streamArn, cancellationToken);

    public async Task<string> GetShardIteratorAsync(string streamArn, string shardId, ShardIteratorType type, string? sequenceNumber, CancellationToken cancellationToken)
    {
        var iterator = await inner.GetShardIteratorAsync(streamArn, shardId, type, sequenceNumber, cancellationToken);
        _shardOfIterator[iterator] = shardId;
        return iterator;
    }

    public async Task<RecordsPage> GetRecordsAsync(string shardIterator, CancellationToken cancellationToken)
    {
        var shard = _shardOfIterator.GetValueOrDefault(shardIterator, "unknown");
        lock (_gate)
        {
            _inFlightTotal++;
            var onShard = _inFlight.AddOrUpdate(shard, 1, (_, n) => n + 1);
            MaxInFlight = Math.Max(MaxInFlight, _inFlightTotal);
            MaxInFlightPerShard.AddOrUpdate(shard, onShard, (_, n) => Math.Max(n, onShard));
            GetRecordsPerShard.AddOrUpdate(shard, 1, (_, n) => n + 1);
        }

        try
        {
            // Real time, not the watch's clock: a moment in which an overlapping call would be counted.
            await Task.Delay(Hold, CancellationToken.None);
            var page = await inner.GetRecordsAsync(shardIterator, cancellationToken);
            if (page.NextShardIterator is { } next)
            {
                _shardOfIterator[next] = shard;
            }

            return page;
        }
        finally
        {
            lock (_gate)
            {
                _inFlightTotal--;
                _inFlight.AddOrUpdate(shard, 0, (_, n) => n - 1);
            }
        }
    }
}
