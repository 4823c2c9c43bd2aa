using Replicator.Applying;
using Replicator.Model;
using Replicator.Planning;
using Replicator.Redrive;
using Replicator.Verification;
using Replicator.Tests.Applying;
using Replicator.Tests.Cli;
using Replicator.Tests.Fixtures;
using Replicator.Tests.Streams;
using Replicator.Tests.Verification;

namespace Replicator.Tests.Redrive;

public sealed class RedriverTests
{
    private static readonly KeyAttribute PartitionKey = new("pk", "S", IsPartitionKey: true);

    private readonly InMemoryLetterQueue _queue = new();
    private readonly InMemoryTable _source = new("us-east-1", "source", PartitionKey);
    private readonly InMemoryTable _west = new("us-west-2", "source", PartitionKey);
    private readonly InMemoryTable _europe = new("eu-west-1", "source", PartitionKey);
    private readonly FakeStreamsApi _streams = new();

    private static ItemKey Key(string pk) => new(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String(pk) });

    private Redriver Redriver(RedriveSettings? settings = null, params InMemoryTable[] targets) => new(
        _queue,
        _source,
        targets.Length == 0 ? [_west] : targets,
        _streams,
        settings ?? Settings(),
        TimeProvider.System,
        new Random(1));

    private RedriveSettings Settings() => new() { Source = _source.Table, BaseRetryDelay = TimeSpan.FromMilliseconds(1), MaxRetryDelay = TimeSpan.FromMilliseconds(5), WriteTimeout = TimeSpan.FromMilliseconds(300) };

    private static int? Version(InMemoryTable table, string pk) =>
        table.Items.TryGetValue(Key(pk), out var item) ? int.Parse(item["v"].AsNumber(), System.Globalization.CultureInfo.InvariantCulture) : null;

    [Fact]
    public async Task Redrive_DeadLetter_WritesTheSourcesCurrentItem_NeverTheLettersImage_AndDeletesTheLetter()
    {
        _source.Put(Events.Item("a", 7));
        _west.Put(Events.Item("a", 5));
        _queue.Send(Letters.Dead("us-west-2:source", "a", 501, version: 3));

        var report = await Redriver().RunAsync(TestContext.Current.CancellationToken);

        Assert.True(report.Succeeded);
        Assert.Equal((1, 1), (report.LettersRead, report.Redriven));
        Assert.Equal(7, Version(_west, "a"));
        Assert.Empty(_queue.Bodies);
        Assert.Equal((1L, 0L), (report.Targets[0].Written, report.Targets[0].Deleted));
    }

    [Fact]
    public async Task Redrive_DeadLetterOfAKeyTheSourceNoLongerHas_DeletesItOnTheTarget()
    {
        _west.Put(Events.Item("a", 5));
        _queue.Send(Letters.Dead("us-west-2:source", "a", 501, version: 5));

        var report = await Redriver().RunAsync(TestContext.Current.CancellationToken);

        Assert.True(report.Succeeded);
        Assert.Null(Version(_west, "a"));
        Assert.Equal((0L, 1L), (report.Targets[0].Written, report.Targets[0].Deleted));
        Assert.Empty(_queue.Bodies);
    }

    [Fact]
    public async Task Redrive_DeadLetterWithoutTarget_WritesEveryTarget_AndOnlyItsOwnTargetOtherwise()
    {
        _source.Put(Events.Item("a", 2));
        _source.Put(Events.Item("b", 2));
        var refused = """{"eventID":"x","eventName":"BOGUS","dynamodb":{"Keys":{"pk":{"S":"a"}},"SequenceNumber":"7"}}""";
        _queue.Send(Letters.OfRecord(null, refused, 7));
        _queue.Send(Letters.Dead("eu-west-1:source", "b", 8));

        var report = await Redriver(null, _west, _europe).RunAsync(TestContext.Current.CancellationToken);

        Assert.True(report.Succeeded);
        Assert.Equal((2, (int?)null), (Version(_west, "a")!.Value, Version(_west, "b")));
        Assert.Equal((2, 2), (Version(_europe, "a")!.Value, Version(_europe, "b")!.Value));
    }

    [Fact]
    public async Task Redrive_LetterForATargetNotGiven_StaysAndNamesIt()
    {
        _source.Put(Events.Item("a", 2));
        var id = _queue.Send(Letters.Dead("ap-south-1:source", "a", 501));

        var report = await Redriver().RunAsync(TestContext.Current.CancellationToken);

        var kept = Assert.Single(report.Kept);
        Assert.Equal((id, KeptReason.UnknownTarget, Key("a")), (kept.MessageId, kept.Reason, Assert.Single(kept.Keys)));
        Assert.Contains("--target ap-south-1:source", kept.Detail, StringComparison.Ordinal);
        Assert.Single(_queue.Bodies);
        Assert.Empty(_west.Items);
    }

    [Fact]
    public async Task Redrive_TruncatedLetterWithoutAKey_StaysWithItsReason_WhileTheOthersOfItsBatchAreRedriven()
    {
        _source.Put(Events.Item("a", 2));
        _queue.Send(Letters.OfRecord("us-west-2:source", "{not json", 9, truncated: true));
        _queue.Send(Letters.Dead("us-west-2:source", "a", 10));

        var report = await Redriver().RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal((2, 1), (report.LettersRead, report.Redriven));
        Assert.Equal(KeptReason.NoKey, Assert.Single(report.Kept).Reason);
        Assert.Contains("truncated", Assert.Single(_queue.Bodies), StringComparison.Ordinal);
        Assert.Equal(2, Version(_west, "a"));
    }

    [Fact]
    public async Task Redrive_TruncatedLetterOfARecordTooLargeForTheQueue_IsRedrivenByItsKey()
    {
        _source.Put(Events.Item("z", 3));
        _queue.Send(Letters.OfRecord("us-west-2:source", Events.Record("MODIFY", "z", 9, 1), 9, truncated: true));

        var report = await Redriver().RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal((1, 1), (report.LettersRead, report.Redriven));
        Assert.Equal(3, Version(_west, "z"));
        Assert.Empty(_queue.Bodies);
    }

    [Fact]
    public async Task Redrive_KeyOfAnotherSchema_Stays_AndNothingIsRead()
    {
        _queue.Send(Letters.OfRecord("us-west-2:source", """{"dynamodb":{"Keys":{"id":{"N":"1"}},"SequenceNumber":"5"}}""", 5));

        var report = await Redriver().RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(KeptReason.KeySchema, Assert.Single(report.Kept).Reason);
        Assert.Equal(0, _source.BatchGetRequests);
    }

    [Fact]
    public async Task Redrive_WriteRefusedAgain_LetterStays_AndIsNotDeleted()
    {
        _source.Put(Events.Item("a", 2));
        _queue.Send(Letters.Dead("us-west-2:source", "a", 501));
        _west.WriteFault = _ => throw new TargetRefuses(TargetErrorKind.Poison, "ValidationException: still refused");

        var report = await Redriver().RunAsync(TestContext.Current.CancellationToken);

        var kept = Assert.Single(report.Kept);
        Assert.Equal(KeptReason.WriteFailed, kept.Reason);
        Assert.Contains("still refused", kept.Detail, StringComparison.Ordinal);
        Assert.Single(_queue.Bodies);
        Assert.Equal(0, _queue.Deletes);
    }

    [Fact]
    public async Task Redrive_ANewerChangeReplicatedBetweenItsReadAndItsWrite_IsNotSetBack()
    {
        _source.Put(Events.Item("a", 2));
        _queue.Send(Letters.Dead("us-west-2:source", "a", 501));
        var replicated = 0;
        _source.AfterBatchGet = _ =>
        {
            // The first read saw v2; before the redrive's write, the application writes v3 and the replicator copies it.
            if (Interlocked.Increment(ref replicated) == 1)
            {
                _source.Put(Events.Item("a", 3));
                _west.Put(Events.Item("a", 3));
            }
        };

        var report = await Redriver().RunAsync(TestContext.Current.CancellationToken);

        Assert.True(report.Succeeded);
        Assert.Equal(3, Version(_west, "a"));
        Assert.Equal(2L, report.Targets[0].Written);
    }

    [Fact]
    public async Task Redrive_SourceThatNeverSettles_LeavesTheLetterForLater()
    {
        _source.Put(Events.Item("a", 0));
        _queue.Send(Letters.Dead("us-west-2:source", "a", 501));
        var version = 0;
        _source.AfterBatchGet = _ => _source.Put(Events.Item("a", Interlocked.Increment(ref version)));

        var report = await Redriver().RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(KeptReason.SourceChanging, Assert.Single(report.Kept).Reason);
        Assert.Single(_queue.Bodies);
    }

    [Fact]
    public async Task Redrive_OnFailureBatch_CopiesTheCurrentItemOfEveryKeyInItsRange_AndNoOther()
    {
        var shard = _streams.AddShard();
        _streams.Append(shard, "before", 1);
        var start = _streams.Append(shard, "a", 1);
        _streams.Append(shard, "b", 1);
        _streams.Append(shard, "a", 2);
        var end = _streams.Append(shard, "c", null);
        _streams.Append(shard, "after", 1);
        foreach (var (pk, v) in new[] { ("before", 1), ("a", 9), ("b", 9), ("after", 1) })
        {
            _source.Put(Events.Item(pk, v));
        }

        _west.Put(Events.Item("c", 1));
        _queue.Send(Letters.OnFailure(FakeStreamsApi.Arn, shard, start, end, 4));

        var report = await Redriver().RunAsync(TestContext.Current.CancellationToken);

        Assert.True(report.Succeeded, string.Join("; ", report.Kept));
        Assert.Equal(["a", "b"], _west.Items.Keys.Select(key => key.Attributes["pk"].AsString()).Order());
        Assert.Equal((9, 9), (Version(_west, "a")!.Value, Version(_west, "b")!.Value));
        Assert.Equal((2L, 1L), (report.Targets[0].Written, report.Targets[0].Deleted));
        Assert.Empty(_queue.Bodies);
    }

    [Fact]
    public async Task Redrive_OnFailureBatchAtAnOpenShardsTip_StopsAfterItsEnd()
    {
        var shard = _streams.AddShard();
        var start = _streams.Append(shard, "a", 1);
        _source.Put(Events.Item("a", 1));
        _queue.Send(Letters.OnFailure(FakeStreamsApi.Arn, shard, start, start, 1));

        var report = await Redriver().RunAsync(TestContext.Current.CancellationToken);

        Assert.True(report.Succeeded);
        Assert.Equal(1, Version(_west, "a"));
        Assert.Equal(1, _streams.Calls.Count(call => call.StartsWith("GetRecords", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Redrive_OnFailureBatchBeyondRetention_StaysAsNeedingVerifyRepair_ListsTheKeysLeft_AndExits1()
    {
        var shard = _streams.AddShard();
        var start = _streams.Append(shard, "gone", 1);
        _streams.Append(shard, "left", 1);
        var end = _streams.Append(shard, "also-left", 1);
        _streams.Trim(shard, 1);
        _source.Put(Events.Item("left", 1));
        _queue.Send(Letters.OnFailure(FakeStreamsApi.Arn, shard, start, end, 3));
        var text = new StringWriter();

        var code = await Replicator.Cli.RedriveCommand.RunAsync(CliRunner.Console(text), Redriver(), json: false, TestContext.Current.CancellationToken);

        Assert.Equal(1, code);
        Assert.Contains("kept m1 (needs-verify-repair): needs verify --repair: the stream no longer holds the range's start", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("""Keys: {"pk":{"S":"left"}}, {"pk":{"S":"also-left"}}""", text.ToString(), StringComparison.Ordinal);
        Assert.Single(_queue.Bodies);
        Assert.Empty(_west.Items);
    }

    [Fact]
    public async Task Redrive_OnFailureBatchTheStreamRefuses_Stays_WhileTheOthersOfItsBatchAreRedriven()
    {
        var shard = _streams.AddShard();
        _streams.Append(shard, "a", 1);
        _source.Put(Events.Item("a", 1));
        _queue.Send(Letters.OnFailure(FakeStreamsApi.Arn, shard, 12345, 12346, 2));
        _queue.Send(Letters.Dead("us-west-2:source", "a", 501));

        var report = await Redriver().RunAsync(TestContext.Current.CancellationToken);

        var kept = Assert.Single(report.Kept);
        Assert.Equal(KeptReason.RangeLost, kept.Reason);
        Assert.Contains("is not in shardId-0000", kept.Detail, StringComparison.Ordinal);
        Assert.Equal(1, report.Redriven);
    }

    [Fact]
    public async Task Redrive_OnFailureBatchOfAnotherStream_Stays()
    {
        _queue.Send(Letters.OnFailure("arn:aws:dynamodb:us-east-1:123456789012:table/other/stream/2026-01-01T00:00:00.000", "shardId-0000", 1, 2, 2));

        var report = await Redriver().RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(KeptReason.WrongStream, Assert.Single(report.Kept).Reason);
        Assert.Empty(_streams.Calls);
    }

    [Fact]
    public async Task Redrive_LetterThatKeepsComingBack_IsWorkedOnce_AndTheRunEnds()
    {
        _queue.Send("""{"hello":"world"}""");
        _queue.AfterReceive = _queue.Expire;

        var report = await Redriver().RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal((1, 1), (report.LettersRead, report.Kept.Count));
        Assert.Equal(4, _queue.Receives);
    }

    [Fact]
    public async Task Redrive_UnrecognisedMessage_Stays()
    {
        _queue.Send("""{"hello":"world"}""");

        var report = await Redriver().RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(KeptReason.Unrecognised, Assert.Single(report.Kept).Reason);
        Assert.Single(_queue.Bodies);
    }

    [Fact]
    public async Task Redrive_DryRun_ListsTheWrites_WritesAndDeletesNothing_AndLeavesEveryLetterVisible()
    {
        _source.Put(Events.Item("a", 2));
        for (var i = 0; i < 12; i++)
        {
            _queue.Send(Letters.Dead("us-west-2:source", i == 0 ? "a" : $"gone-{i}", 500 + i));
        }

        var report = await Redriver(Settings() with { DryRun = true }).RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal((12, 12), (report.LettersRead, report.Redriven));
        Assert.Equal(new PlannedWrite(_west.Table, Key("a"), WriteKind.Put), report.Planned.Single(write => write.Kind == WriteKind.Put));
        Assert.Equal(11, report.Planned.Count(write => write.Kind == WriteKind.Delete));
        Assert.Empty(_west.Items);
        Assert.Equal(0, _queue.Deletes);
        Assert.Equal(12, _queue.Visible);
    }

    [Fact]
    public async Task Redrive_MaxMessages_ReadsNoMore()
    {
        for (var i = 0; i < 15; i++)
        {
            _source.Put(Events.Item($"k{i}", 1));
            _queue.Send(Letters.Dead("us-west-2:source", $"k{i}", 500 + i));
        }

        var report = await Redriver(Settings() with { MaxMessages = 12 }).RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal((12, 12), (report.LettersRead, report.Redriven));
        Assert.Equal(3, _queue.Bodies.Count);
        Assert.Equal(12, _west.Items.Count);
    }

    [Fact]
    public async Task Redrive_CrashBetweenWriteAndDelete_LosesNoLetter_ARerunRedrivesIt()
    {
        _source.Put(Events.Item("a", 2));
        _queue.Send(Letters.Dead("us-west-2:source", "a", 501));
        _queue.DeleteFault = _ => throw new IOException("the connection dropped");

        await Assert.ThrowsAsync<IOException>(() => Redriver().RunAsync(TestContext.Current.CancellationToken));
        Assert.Single(_queue.Bodies);

        _queue.DeleteFault = _ => [];
        _queue.Expire();
        _west.Items.Clear();
        var report = await Redriver().RunAsync(TestContext.Current.CancellationToken);

        Assert.True(report.Succeeded);
        Assert.Equal(2, Version(_west, "a"));
        Assert.Empty(_queue.Bodies);
    }

    [Fact]
    public async Task Redrive_DeleteRefusedForOneLetter_ReportsIt_TheRestAreDeleted()
    {
        _source.Put(Events.Item("a", 2));
        var first = _queue.Send(Letters.Dead("us-west-2:source", "a", 501));
        _queue.Send(Letters.Dead("us-west-2:source", "a", 502));
        _queue.DeleteFault = _ => [first];

        var report = await Redriver().RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal((KeptReason.DeleteFailed, first), (Assert.Single(report.Kept).Reason, report.Kept[0].MessageId));
        Assert.Single(_queue.Bodies);
    }

    [Fact]
    public async Task Redrive_MultiActive_KeyTheSourceNoLongerHas_StaysForTheReplicator_AndDeletesNothing()
    {
        _west.Put(Events.Item("a", 1));
        _queue.Send(Letters.Dead("us-west-2:source", "a", 501));

        var report = await Redriver(Settings() with { MultiActive = true }).RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(KeptReason.MultiActiveDelete, Assert.Single(report.Kept).Reason);
        Assert.Equal(1, Version(_west, "a"));
        Assert.Single(_queue.Bodies);
    }
}
