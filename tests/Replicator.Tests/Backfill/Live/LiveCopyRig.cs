using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using Replicator.Backfill;
using Replicator.Backfill.Live;
using Replicator.Model;
using Replicator.Streams;
using Replicator.Tests.Fixtures;
using Replicator.Tests.Streams;
using Replicator.Tests.Verification;
using Replicator.Verification;

namespace Replicator.Tests.Backfill.Live;

/// <summary>
/// A source table with its stream, a target, and one "process" at a time of <c>replicate
/// --backfill</c>: a <see cref="LiveBackfill"/> (on a fake clock: nothing in it waits here) and
/// its engine's writer. Replication runs when a test says, a poller to idle from the checkpoint
/// file, so each test fixes the interleaving it is about.
/// </summary>
internal sealed class LiveCopyRig : IDisposable
{
    private static readonly KeyAttribute PartitionKey = new("pk", "S", IsPartitionKey: true);

    private readonly string _directory = Directory.CreateTempSubdirectory("live-copy-tests-").FullName;
    private readonly string _shard;

    /// <param name="pageSize">Items per scan page, of the source and of the target.</param>
    public LiveCopyRig(int items = 30, int pageSize = 5)
    {
        Source = new InMemoryTable("us-east-1", "users", PartitionKey) { PageSize = pageSize };
        Target = new InMemoryTable("us-west-2", "users", PartitionKey) { PageSize = pageSize };
        TargetTables = new InMemoryTableTables(Target);
        Reader = new HookedReader(Source);
        _shard = Streams.AddShard();
        for (var i = 0; i < items; i++)
        {
            Source.Put(Events.Item($"user{i:D2}", 1));
        }

        NewProcess();
    }

    public InMemoryTable Source { get; }

    public HookedReader Reader { get; }

    public InMemoryTable Target { get; }

    public InMemoryTableTables TargetTables { get; }

    public FakeStreamsApi Streams { get; } = new() { PageSize = 100 };

    public ConcurrentQueue<string> Log { get; } = new();

    public DeleteMode Deletes { get; private set; } = null!;

    public MarkingDeletesWriter EngineWriter { get; private set; } = null!;

    public LiveBackfill Live { get; private set; } = null!;

    /// <summary>How long replication waits idle before it stops (each <see cref="ReplicateAsync"/> ends so).</summary>
    public TimeSpan IdleStop { get; init; } = TimeSpan.FromMilliseconds(60);

    public string CheckpointPath => Path.Combine(_directory, "users.checkpoint.json");

    public string ProgressPath => BackfillState.PathFor(CheckpointPath);

    public BackfillRequest Request(int segments = 3) => new(Source.Table, [Target.Table], segments, CheckpointPath);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A new run of the command (after a kill, say): nothing carried over but the files and the tables.</summary>
    public void NewProcess()
    {
        Deletes = new DeleteMode();
        EngineWriter = new MarkingDeletesWriter(Target, Deletes);
        Live = new LiveBackfill(Reader, [new LiveTarget(Target.Table, Target, TargetTables)], Streams, Deletes, new FakeTimeProvider(), new Random(3), Log.Enqueue);
    }

    /// <summary>The application puts <paramref name="key"/> at <paramref name="version"/> on the source (and its stream).</summary>
    public void Put(string key, int version)
    {
        Source.Put(Events.Item(key, version));
        Streams.Append(_shard, key, version);
    }

    /// <summary>The application deletes <paramref name="key"/> on the source (and its stream).</summary>
    public void Delete(string key)
    {
        Source.Items.TryRemove(Key(key), out _);
        Streams.Append(_shard, key, null);
    }

    public static ItemKey Key(string key) => new(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String(key) });

    /// <summary>Replicates what the stream holds past the checkpoint, through this process's engine, until idle.</summary>
    public async Task ReplicateAsync()
    {
        var settings = new PollerSettings
        {
            StreamArn = FakeStreamsApi.Arn,
            IdleDelay = TimeSpan.FromMilliseconds(5),
            DiscoveryInterval = TimeSpan.FromMilliseconds(20),
            StopAfterIdle = IdleStop,
            BatchTimeout = TimeSpan.FromSeconds(10),
            BaseRetryDelay = TimeSpan.FromMilliseconds(1),
            MaxRetryDelay = TimeSpan.FromMilliseconds(10),

            // Reads back to back, as the poller's own harness reads: a 200 ms pace per shard would outlast the idle stop.
            MinShardReadInterval = TimeSpan.Zero,
            DescribeStreamPageInterval = TimeSpan.Zero,
        };
        var poller = new StreamPoller(
            Streams,
            new ReplicationEngine([EngineWriter], null, TestSettings.FastEngine, TimeProvider.System, new Random(1)),
            new FileCheckpointStore(CheckpointPath),
            settings,
            TimeProvider.System,
            new Random(2),
            Log.Enqueue);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var outcome = await poller.RunAsync(timeout.Token);
        Assert.Equal(PollerStop.Idle, outcome.Stop);
        Assert.False(outcome.ShardsFailing, string.Join("\n", Log));
    }

    public async Task<LiveCopyPhase> PrepareAsync(int segments = 3)
    {
        var prepared = await Live.PrepareAsync(Request(segments), FakeStreamsApi.Arn, TestContext.Current.CancellationToken);
        return Assert.IsType<LivePreparation.Ready>(prepared).Phase;
    }

    public Task<LiveBackfillResult> CompleteAsync(int segments = 3, CancellationToken? cancellationToken = null) =>
        Live.CompleteAsync(Request(segments), FakeStreamsApi.Arn, cancellationToken ?? TestContext.Current.CancellationToken);

    /// <summary>The target holds exactly the source's items: no marker, nothing extra, nothing missing, nothing stale.</summary>
    public void AssertConverged()
    {
        var source = Source.Items.ToDictionary(pair => pair.Key.ToString(), pair => pair.Value);
        var target = Target.Items.ToDictionary(pair => pair.Key.ToString(), pair => pair.Value);
        Assert.Equal(source.Keys.Order(StringComparer.Ordinal), target.Keys.Order(StringComparer.Ordinal));
        Assert.All(source, pair => Assert.True(DynamoValue.MapsEqual(pair.Value, target[pair.Key]), $"{pair.Key} differs on the target"));
    }

    public int? TargetVersion(string key) =>
        Target.Items.TryGetValue(Key(key), out var item) ? (item.TryGetValue("v", out var v) ? int.Parse(v.AsNumber(), System.Globalization.CultureInfo.InvariantCulture) : -1) : null;

    public bool TargetHoldsMarker(string key) => Target.Items.TryGetValue(Key(key), out var item) && DeleteMarker.IsMarker(item);
}
