using Replicator.Applying;
using Replicator.Model;
using Replicator.Planning;
using Replicator.Streams;
using Replicator.Tests.Applying;

using Replicator.Tests.Fixtures;

namespace Replicator.Tests.Streams;

public sealed class StreamPollerTests
{
    private readonly FakeStreamsApi _streams = new();
    private readonly InMemoryTarget _target = new();
    private readonly InMemoryCheckpointStore _checkpoints = new();

    /// <summary>What each key's last change leaves, as the target must hold it.</summary>
    private readonly Dictionary<string, int?> _expected = new(StringComparer.Ordinal);


    private StreamPoller Poller(StartPosition startAt = StartPosition.TrimHorizon, TimeSpan? batchTimeout = null) => new(
        _streams,
        new ReplicationEngine([_target], null, TestSettings.FastEngine, TimeProvider.System, new Random(1)),
        _checkpoints,
        new PollerSettings
        {
            StreamArn = FakeStreamsApi.Arn,
            StartAt = startAt,
            IdleDelay = TimeSpan.FromMilliseconds(5),
            // Read back to back: pacing to the service's 5 calls a second per shard has its own tests (PollerBoundsTests).
            MinShardReadInterval = TimeSpan.Zero,
            DescribeStreamPageInterval = TimeSpan.Zero,
            DiscoveryInterval = TimeSpan.FromMilliseconds(20),
            StopAfterIdle = TimeSpan.FromMilliseconds(150),
            BatchTimeout = batchTimeout ?? TimeSpan.FromSeconds(10),
            BaseRetryDelay = TimeSpan.FromMilliseconds(1),
            MaxRetryDelay = TimeSpan.FromMilliseconds(10),
        },
        TimeProvider.System,
        new Random(2));

    /// <summary>The README and bench/README.md promise this default: four polls a second per idle shard, as Lambda polls.</summary>
    [Fact]
    public void Settings_DefaultIdleDelay_IsLambdasPollingInterval() =>
        Assert.Equal(TimeSpan.FromMilliseconds(250), new PollerSettings { StreamArn = FakeStreamsApi.Arn }.IdleDelay);

    private static async Task<PollerOutcome> RunAsync(StreamPoller poller)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var outcome = await poller.RunAsync(timeout.Token);
        Assert.False(timeout.IsCancellationRequested, "the poller did not stop by itself within 30 s");
        return outcome;
    }

    private long Write(string shard, string key, int? version)
    {
        _expected[key] = version;
        return _streams.Append(shard, key, version);
    }

    private void WriteMany(string shard, int count, int keys, int seed, string prefix = "k")
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            Write(shard, $"{prefix}{random.Next(keys)}", random.Next(5) == 0 ? null : random.Next(1000));
        }
    }

    private void AssertTargetIsUpToDate()
    {
        var expected = _expected.Where(pair => pair.Value is not null).ToDictionary(pair => pair.Key, pair => pair.Value!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var actual = _target.Items.ToDictionary(pair => pair.Key.Attributes["pk"].AsString(), pair => pair.Value["v"].AsNumber());
        Assert.Equal(expected.OrderBy(p => p.Key), actual.OrderBy(p => p.Key));
    }

    private string? CheckpointOf(string shard) => _checkpoints.Current?.Shards.GetValueOrDefault(shard)?.SequenceNumber;

    [Fact]
    public async Task Run_OneShard_ReplicatesEveryRecord_ChecksPointsTheLast_AndStopsWhenIdle()
    {
        var shard = _streams.AddShard();
        WriteMany(shard, count: 95, keys: 12, seed: 1);
        var last = Write(shard, "k-last", 1);

        var poller = Poller();
        var outcome = await RunAsync(poller);

        Assert.Equal(PollerStop.Idle, outcome.Stop);
        AssertTargetIsUpToDate();
        Assert.Equal($"{last}", CheckpointOf(shard));
        Assert.Equal(96, poller.Progress.RecordsIn);
        Assert.Contains($"GetShardIterator {shard} TrimHorizon ", _streams.Calls);
    }

    [Fact]
    public async Task Run_ChildShards_StartOnlyAfterTheirParentIsReadToItsEnd()
    {
        var parent = _streams.AddShard();
        WriteMany(parent, count: 40, keys: 5, seed: 2);
        _streams.Close(parent);
        // After a split each key lives in one child (as on DynamoDB): the parent's keys k0 to k4
        // go on in the left child and its child; the right child has keys of its own.
        var left = _streams.AddShard(parent);
        var right = _streams.AddShard(parent);
        WriteMany(left, count: 30, keys: 5, seed: 3);
        WriteMany(right, count: 30, keys: 5, seed: 4, prefix: "r");
        var grandchild = _streams.AddShard(left);
        _streams.Close(left);
        WriteMany(grandchild, count: 20, keys: 5, seed: 5);

        var outcome = await RunAsync(Poller());

        Assert.Equal(PollerStop.Idle, outcome.Stop);
        AssertTargetIsUpToDate();
        int LastRead(string shard) => _streams.Calls.FindLastIndex(call => call.StartsWith($"GetRecords {shard} ", StringComparison.Ordinal));
        int FirstRead(string shard) => _streams.Calls.FindIndex(call => call.StartsWith($"GetRecords {shard} ", StringComparison.Ordinal));
        Assert.True(LastRead(parent) < FirstRead(left), "the left child was read before its parent was finished");
        Assert.True(LastRead(parent) < FirstRead(right), "the right child was read before its parent was finished");
        Assert.True(LastRead(left) < FirstRead(grandchild), "the grandchild was read before its parent was finished");
        Assert.True(_checkpoints.Current!.Shards[parent].Finished);
        Assert.True(_checkpoints.Current.Shards[left].Finished);
    }

    [Fact]
    public async Task Run_AfterARestart_ResumesAfterTheCheckpoint()
    {
        var shard = _streams.AddShard();
        WriteMany(shard, count: 30, keys: 6, seed: 6);
        await RunAsync(Poller());
        var checkpoint = CheckpointOf(shard);

        WriteMany(shard, count: 25, keys: 6, seed: 7);
        var second = Poller();
        await RunAsync(second);

        AssertTargetIsUpToDate();
        Assert.Contains($"GetShardIterator {shard} AfterSequenceNumber {checkpoint}", _streams.Calls);
        Assert.Equal(25, second.Progress.RecordsIn);
    }

    [Fact]
    public async Task Run_ExpiredIterator_IsReplacedFromTheCheckpoint_LosingNothing()
    {
        var shard = _streams.AddShard();
        WriteMany(shard, count: 30, keys: 6, seed: 8);
        await RunAsync(Poller());
        _streams.ExpireIterators();

        // A poller whose iterators expire mid-run: expire again after its first reads.
        WriteMany(shard, count: 40, keys: 6, seed: 9);
        var poller = Poller();
        var run = RunAsync(poller);
        while (poller.Progress.RecordsIn == 0)
        {
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }

        _streams.ExpireIterators();
        await run;

        AssertTargetIsUpToDate();
        Assert.Contains($"GetRecords {shard} expired", _streams.Calls);
    }

    [Fact]
    public async Task Run_RecordsTrimmedBeforeTheyWereReplicated_FailsSayingDataWasLostAndToBackfill()
    {
        var shard = _streams.AddShard();
        WriteMany(shard, count: 10, keys: 3, seed: 10);
        await RunAsync(Poller());
        WriteMany(shard, count: 10, keys: 3, seed: 11);
        _streams.Trim(shard, 15); // Five records written after the checkpoint are gone.

        var outcome = await RunAsync(Poller());

        Assert.Equal(PollerStop.Failed, outcome.Stop);
        Assert.Contains("Data was lost from the stream", outcome.Error, StringComparison.Ordinal);
        Assert.Contains("backfill", outcome.Error, StringComparison.Ordinal);
        Assert.Contains(shard, outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Throttling_IsRetried()
    {
        var shard = _streams.AddShard();
        WriteMany(shard, count: 50, keys: 10, seed: 12);
        _streams.ThrottleNext = 5;

        var outcome = await RunAsync(Poller());

        Assert.Equal(PollerStop.Idle, outcome.Stop);
        AssertTargetIsUpToDate();
    }

    [Fact]
    public async Task Run_FailedBatch_IsRetriedFromItsFirstUnappliedRecord_AndTheCheckpointNeverPassesIt()
    {
        var shard = _streams.AddShard();
        WriteMany(shard, count: 20, keys: 8, seed: 13);
        var stuck = Write(shard, "stuck", 1);
        WriteMany(shard, count: 20, keys: 8, seed: 14);
        // The key "stuck" is throttled for longer than several batch deadlines (100 ms each).
        var throttledUntil = DateTimeOffset.UtcNow.AddMilliseconds(500);
        _target.Fault = actions => DateTimeOffset.UtcNow < throttledUntil
            ? actions.Where(a => a.Key.Attributes["pk"].AsString() == "stuck").ToList()
            : [];

        // No checkpoint may reach the stuck record before it is on the target.
        var checkpointsPastTheUnappliedRecord = 0;
        _checkpoints.OnSave = save =>
        {
            if (save.Shards.GetValueOrDefault(shard)?.SequenceNumber is { } at && SequenceNumber.Parse(at) >= SequenceNumber.Parse($"{stuck}")
                && !_target.Items.Keys.Any(key => key.Attributes["pk"].AsString() == "stuck"))
            {
                Interlocked.Increment(ref checkpointsPastTheUnappliedRecord);
            }
        };
        var poller = Poller(batchTimeout: TimeSpan.FromMilliseconds(100));
        var outcome = await RunAsync(poller);

        Assert.Equal(PollerStop.Idle, outcome.Stop);
        AssertTargetIsUpToDate();
        Assert.Contains($"GetShardIterator {shard} AtSequenceNumber {stuck}", _streams.Calls);
        Assert.Equal(0, checkpointsPastTheUnappliedRecord);
        Assert.True(poller.Progress.RecordsFailed > 0);
    }

    [Fact]
    public async Task Run_StartAtLatest_SkipsWhatWasThere_AndReplicatesWhatComesAfter()
    {
        var shard = _streams.AddShard();
        WriteMany(shard, count: 10, keys: 4, seed: 15);
        _expected.Clear();
        var poller = Poller(StartPosition.Latest);
        var run = RunAsync(poller);
        while (!_streams.Calls.Any(call => call.StartsWith($"GetRecords {shard}", StringComparison.Ordinal)))
        {
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }

        Write(shard, "new", 7);
        await run;

        Assert.Equal(["new"], _target.Items.Keys.Select(key => key.Attributes["pk"].AsString()));
        Assert.Contains($"GetShardIterator {shard} Latest ", _streams.Calls);
    }

    [Fact]
    public async Task Run_Cancelled_StopsWithTheCheckpointWritten()
    {
        var shard = _streams.AddShard();
        WriteMany(shard, count: 30, keys: 5, seed: 16);
        var poller = Poller();
        using var cancel = new CancellationTokenSource();
        var run = poller.RunAsync(cancel.Token);
        while (poller.Progress.RecordsIn < 30)
        {
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }

        await cancel.CancelAsync();
        var outcome = await run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(PollerStop.Cancelled, outcome.Stop);
        Assert.NotNull(CheckpointOf(shard));
        AssertTargetIsUpToDate();
    }

    [Fact]
    public async Task Run_CheckpointsOfAnotherStream_AreRefusedWithAMessage()
    {
        await _checkpoints.SaveAsync(StreamCheckpoints.Empty("arn:aws:dynamodb:us-east-1:123456789012:table/source/stream/2020-01-01T00:00:00.000"), CancellationToken.None);
        var error = await Assert.ThrowsAsync<CheckpointException>(() => Poller().RunAsync(TestContext.Current.CancellationToken));
        Assert.Contains("2020-01-01", error.Message, StringComparison.Ordinal);
        Assert.Contains("--checkpoint", error.Message, StringComparison.Ordinal);
    }
}

public sealed class FileCheckpointStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("checkpoints").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task SaveThenLoad_RoundTrips_AndLeavesNoTemporaryFile()
    {
        var store = new FileCheckpointStore(Path.Combine(_directory, "sub", "checkpoint.json"));
        Assert.Null(await store.LoadAsync(TestContext.Current.CancellationToken));
        var checkpoints = new StreamCheckpoints("arn:s", new Dictionary<string, ShardCheckpoint>
        {
            ["a"] = new("123", Finished: true),
            ["b"] = new(null, StartAtLatest: true),
            ["c"] = new("99999999999999999999999999999999999999"),
        });

        await store.SaveAsync(checkpoints, TestContext.Current.CancellationToken);
        await store.SaveAsync(checkpoints, TestContext.Current.CancellationToken);
        var loaded = await store.LoadAsync(TestContext.Current.CancellationToken);

        Assert.Equal("arn:s", loaded!.StreamArn);
        Assert.Equal(checkpoints.Shards.OrderBy(p => p.Key), loaded.Shards.OrderBy(p => p.Key));
        Assert.Equal(["checkpoint.json"], Directory.GetFiles(Path.Combine(_directory, "sub")).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"version":2,"streamArn":"x","shards":{}}""")]
    [InlineData("""{"version":1}""")]
    public async Task Load_UnreadableFile_SaysWhichFileAndWhatToDo(string content)
    {
        var path = Path.Combine(_directory, "bad.json");
        await File.WriteAllTextAsync(path, content, TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<CheckpointException>(() => new FileCheckpointStore(path).LoadAsync(TestContext.Current.CancellationToken));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }
}
