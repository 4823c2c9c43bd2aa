using System.Globalization;
using Replicator.Streams;
using Replicator.Tests.Applying;
using Replicator.Tests.Fixtures;

namespace Replicator.Tests.Streams;

/// <summary>A poller over <see cref="FakeStreamsApi"/> into an in-memory target, with what each key's last change must leave there.</summary>
internal sealed class PollerHarness
{
    public FakeStreamsApi Streams { get; } = new();

    public InMemoryTarget Target { get; } = new();

    public InMemoryCheckpointStore Checkpoints { get; } = new();

    /// <summary>What each key's last change leaves, as the target must hold it.</summary>
    public Dictionary<string, int?> Expected { get; } = new(StringComparer.Ordinal);

    public PollerSettings Settings { get; set; } = new()
    {
        StreamArn = FakeStreamsApi.Arn,
        IdleDelay = TimeSpan.FromMilliseconds(5),
        // Read back to back: pacing to the service's 5 calls a second per shard has its own tests (PollerBoundsTests).
        MinShardReadInterval = TimeSpan.Zero,
        DescribeStreamPageInterval = TimeSpan.Zero,
        DiscoveryInterval = TimeSpan.FromMilliseconds(20),
        StopAfterIdle = TimeSpan.FromMilliseconds(150),
        BatchTimeout = TimeSpan.FromSeconds(10),
        BaseRetryDelay = TimeSpan.FromMilliseconds(1),
        MaxRetryDelay = TimeSpan.FromMilliseconds(10),
    };

    public ICheckpointStore? Store { get; set; }

    /// <summary>What the poller reads (null: <see cref="Streams"/> itself).</summary>
    public IStreamsApi? Api { get; set; }

    /// <summary>What the engine writes to (null: <see cref="Target"/> itself).</summary>
    public Replicator.Applying.ITargetWriter? Writer { get; set; }

    public StreamPoller Poller(TimeProvider? time = null, Random? random = null) => new(
        Api ?? Streams,
        new ReplicationEngine([Writer ?? Target], null, TestSettings.FastEngine, time ?? TimeProvider.System, new Random(1)),
        Store ?? Checkpoints,
        Settings,
        time ?? TimeProvider.System,
        random ?? new Random(2),
        line => Log.Add(line));

    /// <summary>What the poller logged.</summary>
    public List<string> Log { get; } = [];

    public async Task<PollerOutcome> RunAsync(StreamPoller? poller = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var outcome = await (poller ?? Poller()).RunAsync(timeout.Token);
        Assert.False(timeout.IsCancellationRequested, "the poller did not stop by itself within 30 s");
        return outcome;
    }

    public long Write(string shard, string key, int? version)
    {
        Expected[key] = version;
        return Streams.Append(shard, key, version);
    }

    public void WriteMany(string shard, int count, string prefix = "k")
    {
        for (var i = 0; i < count; i++)
        {
            Write(shard, $"{prefix}{i % 7}", i);
        }
    }

    public ShardCheckpoint? CheckpointOf(string shard) => Checkpoints.Current?.Shards.GetValueOrDefault(shard);

    public void AssertTargetIsUpToDate()
    {
        var expected = Expected.Where(pair => pair.Value is not null).ToDictionary(pair => pair.Key, pair => pair.Value!.Value.ToString(CultureInfo.InvariantCulture));
        var actual = Target.Items.ToDictionary(pair => pair.Key.Attributes["pk"].AsString(), pair => pair.Value["v"].AsNumber());
        Assert.Equal(expected.OrderBy(p => p.Key), actual.OrderBy(p => p.Key));
    }
}
