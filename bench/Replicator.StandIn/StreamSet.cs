using System.Diagnostics;

namespace Replicator.StandIn;

/// <summary>
/// The stand-in's one stream: <c>--shards</c> open shards, and the records written to them. With
/// <c>--records N</c>, N records are there from the start (a backlog, for throughput); with
/// <c>--records-per-second R</c>, records are made as time passes, R a second spread evenly over
/// the open shards (for lag). Item <c>n % items</c> changes with each record <c>n</c>, so every
/// item is inserted once and then modified. With <c>--roll-every S</c>, every S seconds each open
/// shard closes and a child takes its writes, as DynamoDB rolls shards about every four hours.
/// Sequence numbers grow over the whole stream (so within each shard, and from a parent to its child).
/// </summary>
internal sealed class StreamSet
{
    /// <summary>21 digits, as DynamoDB's are (or about): the first record's number.</summary>
    private const long FirstSequence = 100_000_000_000_000_000;

    private readonly Lock _lock = new();
    private readonly List<StreamShard> _all = [];
    private readonly long _items;
    private StreamShard[] _open;
    private long _sequence = FirstSequence;
    private long _written;

    public StreamSet(int shards, long items)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        _items = Math.Max(1, items);
        _open = [.. Enumerable.Range(0, shards).Select(_ => NewShard(null))];
    }

    public long Written => Interlocked.Read(ref _written);

    public int Rolls { get; private set; }

    /// <summary>Every shard, in the order they opened (DescribeStream's order).</summary>
    public StreamShard[] All()
    {
        lock (_lock)
        {
            return [.. _all];
        }
    }

    public StreamShard? Find(int number)
    {
        lock (_lock)
        {
            return number >= 0 && number < _all.Count ? _all[number] : null;
        }
    }

    /// <summary>Writes <paramref name="count"/> records, one open shard after another.</summary>
    public void Write(long count, long generatedMicros)
    {
        lock (_lock)
        {
            for (long i = 0; i < count; i++)
            {
                var n = _written++;
                _open[n % _open.Length].Append(new StreamRecord(++_sequence, n % _items, (n / _items) + 1, generatedMicros));
            }
        }
    }

    /// <summary>Closes every open shard and opens a child of each.</summary>
    public void Roll()
    {
        lock (_lock)
        {
            var next = new StreamShard[_open.Length];
            for (var i = 0; i < _open.Length; i++)
            {
                _open[i].Close();
                next[i] = NewShard(_open[i].ShardId);
            }

            _open = next;
            Rolls++;
        }
    }

    /// <summary>Writes at <paramref name="perSecond"/> and rolls every <paramref name="rollEvery"/> (when positive) until stopped.</summary>
    public async Task GenerateAsync(double perSecond, TimeSpan rollEvery, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        var nextRoll = rollEvery;
        long made = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
        {
            var due = perSecond > 0 ? (long)(clock.Elapsed.TotalSeconds * perSecond) - made : 0;
            if (due > 0)
            {
                Write(due, NowMicros());
                made += due;
            }

            if (rollEvery > TimeSpan.Zero && clock.Elapsed >= nextRoll)
            {
                Roll();
                nextRoll += rollEvery;
            }
        }
    }

    public static long NowMicros() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    private StreamShard NewShard(string? parent)
    {
        var shard = new StreamShard(_all.Count, parent, _sequence + 1);
        _all.Add(shard);
        return shard;
    }
}
