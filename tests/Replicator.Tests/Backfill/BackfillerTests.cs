using System.Collections.Concurrent;
using Replicator.Applying;
using Replicator.Backfill;
using Replicator.Model;
using Replicator.Streams;
using Replicator.Tests.Streams;
using Replicator.Tests.Verification;
using Replicator.Verification;

namespace Replicator.Tests.Backfill;

/// <summary>The backfiller on in-memory tables and streams, on a fake clock: what its moto tests cannot make happen on demand.</summary>
public sealed class BackfillerTests : IDisposable
{
    private static readonly KeyAttribute PartitionKey = new("pk", "S", IsPartitionKey: true);

    /// <summary>How far the fake clock moves at a time: a wait ends up to this much after it was due.</summary>
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(10);

    private readonly string _directory = Directory.CreateTempSubdirectory("backfill-tests-").FullName;
    private readonly WaitCountingClock _time = new();
    private readonly FakeStreamsApi _streams = new();
    private readonly InMemoryTable _source = new("us-east-1", "users", PartitionKey);
    private readonly InMemoryTable _target = new("us-west-2", "users", PartitionKey);
    private readonly ConcurrentQueue<string> _log = new();

    public BackfillerTests()
    {
        for (var i = 0; i < 100; i++)
        {
            _source.Put(new Dictionary<string, DynamoValue>(StringComparer.Ordinal)
            {
                ["pk"] = DynamoValue.String($"user{i}"),
                ["n"] = DynamoValue.Number($"{i}"),
                ["tags"] = DynamoValue.StringSet(["a", $"t{i % 3}"]),
                ["blob"] = DynamoValue.Binary([(byte)i, 0, 255]),
            });
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string CheckpointPath => Path.Combine(_directory, "users.checkpoint.json");

    private string ProgressPath => BackfillState.PathFor(CheckpointPath);

    private BackfillRequest Request(int segments, params InMemoryTable[] targets) =>
        new(_source.Table, [.. (targets.Length == 0 ? [_target] : targets).Select(target => target.Table)], segments, CheckpointPath);

    private Backfiller Backfiller(ITableReader? source = null, params InMemoryTable[] targets) =>
        new(source ?? _source, targets.Length == 0 ? [_target] : targets, _streams, _time, new Random(7), _log.Enqueue);

    private static TableReadException Throttled() => new("Scan on us-east-1:users: ProvisionedThroughputExceededException: throttled", retryable: true);

    /// <summary>Runs the backfill, moving the fake clock on a <see cref="Step"/> at a time whenever it waits on it.</summary>
    private async Task<BackfillResult> DriveAsync(Task<BackfillResult> run)
    {
        var limit = _time.GetUtcNow() + TimeSpan.FromMinutes(10);
        var real = System.Diagnostics.Stopwatch.StartNew();
        while (!run.IsCompleted && _time.GetUtcNow() < limit && real.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_time.AnyoneWaiting)
            {
                _time.Advance(Step);
            }

            await Task.Yield();
        }

        Assert.True(run.IsCompleted, "the backfill did not end within 10 minutes of fake time (or a minute of real time)");
        return await run;
    }

    private void AssertTargetHoldsTheSource(InMemoryTable target)
    {
        Assert.Equal(_source.Items.Count, target.Items.Count);
        Assert.All(_source.Items, pair => Assert.True(DynamoValue.MapsEqual(pair.Value, target.Items[pair.Key]), $"{pair.Key} differs"));
    }

    [Fact]
    public async Task Run_CopiesEveryItemToEveryTarget_AndLeavesThePositionFromBeforeTheCopy()
    {
        var closed = _streams.AddShard();
        _streams.Append(closed, "user1", 1);
        _streams.Close(closed);
        var open = _streams.AddShard(parent: closed);
        _streams.Append(open, "user2", 2);
        var head = _streams.Append(open, "user3", 3);
        var other = new InMemoryTable("eu-west-1", "users", PartitionKey);

        var result = await DriveAsync(Backfiller(null, _target, other).RunAsync(Request(4, _target, other), FakeStreamsApi.Arn, Token));

        Assert.Equal((100, false), (result.ItemsCopied, result.Resumed));
        AssertTargetHoldsTheSource(_target);
        AssertTargetHoldsTheSource(other);
        var checkpoint = await new FileCheckpointStore(CheckpointPath).LoadAsync(Token);
        Assert.NotNull(checkpoint);
        Assert.Equal(new ShardCheckpoint(null, Finished: true), checkpoint.Shards[closed]);
        Assert.Equal(new ShardCheckpoint($"{head}"), checkpoint.Shards[open]);
        Assert.False(File.Exists(ProgressPath), "the progress file outlived a finished copy");
    }

    /// <summary>Defect: ScanAsync gave up after 30 attempts, however little time they took.</summary>
    [Fact]
    public async Task Run_ScanThrottledFortyTimesInARow_WaitsItOutAndCopiesEverything()
    {
        var scans = 0;
        _source.ScanFault = (_, _) =>
        {
            if (Interlocked.Increment(ref scans) <= 40)
            {
                throw Throttled();
            }
        };

        var result = await DriveAsync(Backfiller().RunAsync(Request(1), FakeStreamsApi.Arn, Token));

        Assert.Equal(100, result.ItemsCopied);
        AssertTargetHoldsTheSource(_target);
    }

    /// <summary>Defect: the retries ignored time (30 attempts, whatever they took) and ended in the raw read error, not one that says how to resume.</summary>
    [Fact]
    public async Task Run_ScanWithoutProgressForTheReadWindow_StopsSayingNothingIsLostAndHowToResume()
    {
        var attempts = new ConcurrentQueue<DateTimeOffset>();
        _source.ScanFault = (_, _) =>
        {
            attempts.Enqueue(_time.GetUtcNow());
            throw Throttled();
        };

        var error = await Assert.ThrowsAsync<BackfillException>(() => DriveAsync(Backfiller().RunAsync(Request(1), FakeStreamsApi.Arn, Token)));

        Assert.Contains("no progress for 120 s", error.Message, StringComparison.Ordinal);
        Assert.Contains("throttled", error.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing is lost: run the same command again to resume.", error.Message, StringComparison.Ordinal);
        var tried = attempts.Last() - attempts.First();
        Assert.InRange(tried, ReplicationOptions.DefaultReadGiveUpAfter - ReplicationOptions.DefaultMaxRetryDelay, ReplicationOptions.DefaultReadGiveUpAfter + Step);
        Assert.True(File.Exists(ProgressPath), "the progress file is gone, so a rerun could not resume");
    }

    /// <summary>Defect: DescribeStream was not retried at all and GetRecords only 20 times, so a throttled stream stopped the backfill before it began.</summary>
    [Fact]
    public async Task Run_StreamThrottledWhileTakingThePosition_WaitsItOut()
    {
        var shard = _streams.AddShard();
        var head = _streams.Append(shard, "user1", 1);
        _streams.ThrottleNext = 30;

        var result = await DriveAsync(Backfiller().RunAsync(Request(2), FakeStreamsApi.Arn, Token));

        Assert.Equal(100, result.ItemsCopied);
        Assert.Equal(new ShardCheckpoint($"{head}"), (await new FileCheckpointStore(CheckpointPath).LoadAsync(Token))!.Shards[shard]);
    }

    /// <summary>
    /// The progress file is written before the stream position is taken, so replicate refuses the
    /// checkpoint from the start: a run that dies before its position is taken (here: the stream
    /// refuses) leaves it, and the rerun takes the position, then copies.
    /// </summary>
    [Fact]
    public async Task Run_PositionNotTaken_LeavesTheProgressFileSoReplicateWaits_AndTheRerunTakesItThenCopies()
    {
        var shard = _streams.AddShard();
        var head = _streams.Append(shard, "user1", 1);
        _streams.FailNext = new StreamsException(StreamsErrorKind.Fatal, "AccessDeniedException: not now");

        var error = await Assert.ThrowsAsync<BackfillException>(() => DriveAsync(Backfiller().RunAsync(Request(2), FakeStreamsApi.Arn, Token)));

        Assert.Contains("could not be taken", error.Message, StringComparison.Ordinal);
        var left = BackfillState.Unfinished(CheckpointPath);
        Assert.NotNull(left);
        Assert.False(left.PositionTaken);
        Assert.Empty(_target.Items);

        var result = await DriveAsync(Backfiller().RunAsync(Request(2), FakeStreamsApi.Arn, Token));

        Assert.True(result.Resumed);
        AssertTargetHoldsTheSource(_target);
        Assert.Equal(new ShardCheckpoint($"{head}"), (await new FileCheckpointStore(CheckpointPath).LoadAsync(Token))!.Shards[shard]);
        Assert.Null(BackfillState.Unfinished(CheckpointPath));
    }

    /// <summary>Defect 8: --segments 1000 read all 1000 segments at once. More than the limit shows it (fewer than 1000 keep the test fast: every page rewrites the progress file).</summary>
    [Fact]
    public async Task Run_MoreSegmentsThanTheLimit_ReadsAtMostTheLimitAtOnce_AndFinishesThemAll()
    {
        const int Segments = ReplicationOptions.MaxConcurrentSegments + 64;
        var reader = new HookedReader(_source);
        var full = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        reader.BeforeScan = async (_, _, token) =>
        {
            // Hold the first segments until as many are in flight as may be: any more arriving meanwhile is over the bound.
            if (reader.InFlight >= ReplicationOptions.MaxConcurrentSegments)
            {
                full.TrySetResult();
            }

            await full.Task.WaitAsync(token);
        };
        var backfiller = Backfiller(reader);

        var result = await backfiller.RunAsync(Request(Segments), FakeStreamsApi.Arn, Token).WaitAsync(TimeSpan.FromSeconds(60), Token);

        Assert.Equal(ReplicationOptions.MaxConcurrentSegments, reader.MostInFlight);
        Assert.Equal(Segments, backfiller.Counters.SegmentsDone);
        Assert.Equal(100, result.ItemsCopied);
        AssertTargetHoldsTheSource(_target);
    }

    /// <summary>Defect 8: a segment that failed left the others running to their end (the loop watched the caller's token only).</summary>
    [Fact]
    public async Task Run_OneSegmentFailsFatally_StopsTheOthersAtOnce_EndsWithItsError_AndARerunResumes()
    {
        var reader = new HookedReader(_source);
        var secondPageInFlight = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        reader.BeforeScan = async (segment, call, token) =>
        {
            switch (segment, call)
            {
                case (1, 2):
                    // Segment 1 is reading its second page, slowly, when segment 0 fails. It reads it
                    // ahead, while its first page is copied: that copy is saved first.
                    while (BackfillState.Load(ProgressPath)?.Segments[1].LastKey is null)
                    {
                        await Task.Delay(5, token);
                    }

                    secondPageInFlight.TrySetResult();
                    await Task.Delay(Timeout.InfiniteTimeSpan, token);
                    break;
                case (0, 1):
                    await secondPageInFlight.Task.WaitAsync(token);
                    throw new TableReadException("Scan on us-east-1:users: AccessDeniedException: not authorized to scan", retryable: false);
            }
        };

        var error = await Assert.ThrowsAsync<BackfillException>(() => Backfiller(reader).RunAsync(Request(2), FakeStreamsApi.Arn, Token).WaitAsync(TimeSpan.FromSeconds(10), Token));

        Assert.Contains("AccessDeniedException", error.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing is lost", error.Message, StringComparison.Ordinal);
        var progress = BackfillState.Load(ProgressPath);
        Assert.NotNull(progress);
        Assert.Equal(new SegmentState(false, null), progress.Segments[0]);
        Assert.False(progress.Segments[1].Done);
        Assert.NotNull(progress.Segments[1].LastKey);

        var rerun = await DriveAsync(Backfiller().RunAsync(Request(2), FakeStreamsApi.Arn, Token));

        Assert.True(rerun.Resumed);
        Assert.Equal(100, rerun.ItemsCopied);
        AssertTargetHoldsTheSource(_target);
        Assert.False(File.Exists(ProgressPath));
    }

    /// <summary>
    /// Defect 1, backfill's part: an old checkpoint whose unfinished shard left the stream lost
    /// records; the backfill is the remedy, so it goes ahead, says what it makes good, and the new
    /// checkpoint does not keep the gone shard (replicate would stop on it).
    /// </summary>
    [Fact]
    public async Task Run_OldCheckpointWithAnUnfinishedShardThatLeftTheStream_CopiesSayingItMakesTheLossGood_AndDropsTheShard()
    {
        var open = _streams.AddShard();
        var head = _streams.Append(open, "user1", 1);
        await new FileCheckpointStore(CheckpointPath).SaveAsync(new StreamCheckpoints(FakeStreamsApi.Arn, new Dictionary<string, ShardCheckpoint>(StringComparer.Ordinal)
        {
            ["shardId-gone-unfinished"] = new("100000000000000000000"),
            ["shardId-gone-finished"] = new("100000000000000000001", Finished: true),
            [open] = new(null),
        }), Token);

        var result = await DriveAsync(Backfiller().RunAsync(Request(2), FakeStreamsApi.Arn, Token));

        Assert.Equal(100, result.ItemsCopied);
        var lost = Assert.Single(_log, line => line.Contains("left the stream", StringComparison.Ordinal));
        Assert.Contains("shardId-gone-unfinished", lost, StringComparison.Ordinal);
        Assert.DoesNotContain("shardId-gone-finished", lost, StringComparison.Ordinal);
        Assert.Contains("makes them good", lost, StringComparison.Ordinal);
        var checkpoint = await new FileCheckpointStore(CheckpointPath).LoadAsync(Token);
        Assert.Equal([open], checkpoint!.Shards.Keys);
        Assert.Equal(new ShardCheckpoint($"{head}"), checkpoint.Shards[open]);
    }

    [Fact]
    public async Task Run_RequestNamingOtherTablesThanTheReaderAndWriters_IsRefused()
    {
        var request = Request(2) with { Targets = [new TargetTable("eu-west-1", "users")] };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => Backfiller().RunAsync(request, FakeStreamsApi.Arn, Token));

        Assert.Contains("eu-west-1:users", error.Message, StringComparison.Ordinal);
    }
}
