using CsCheck;
using Microsoft.Extensions.Time.Testing;
using Replicator.Applying;
using Replicator.Model;
using Replicator.Parsing;
using Replicator.Planning;
using Replicator.Tests.Fixtures;
using Replicator.Tests.Planning;

namespace Replicator.Tests.Applying;

public sealed class ReplicationEngineTests
{
    /// <summary>Every engine here runs on this clock; deadlines are on it too, so the machine's speed changes nothing.</summary>
    private readonly FakeTimeProvider _time = new(FakeClock.Start);

    private ReplicationEngine Engine(IDeadLetterSink? deadLetters, params ITargetWriter[] targets) =>
        new(targets, deadLetters, TestSettings.FastEngine, _time, new Random(7));

    private DateTimeOffset In(int milliseconds) => _time.GetUtcNow().AddMilliseconds(milliseconds);

    /// <summary>Processes a batch on the fake clock, moving it on while the engine waits.</summary>
    private Task<BatchReport> ProcessAsync(ReplicationEngine engine, ParsedBatch batch, DateTimeOffset deadline) =>
        FakeClock.DriveAsync(_time, engine.ProcessAsync(batch, deadline, CancellationToken.None), step: TimeSpan.FromMilliseconds(5));

    private static ParsedBatch Batch(int keys, int changesPerKey = 1)
    {
        var records = new List<string>();
        var sequence = 1000;
        for (var change = 0; change < changesPerKey; change++)
        {
            for (var key = 0; key < keys; key++)
            {
                records.Add(Events.Record(change == 0 ? "INSERT" : "MODIFY", $"k{key}", sequence++, change));
            }
        }

        return Events.Parse(Events.Event([.. records]));
    }

    private static bool IsKey(WriteAction action, string key) => action.Key.Attributes["pk"].AsString() == key;

    [Fact]
    public async Task Process_CleanBatch_AppliesEveryKeyInBatchesOf25()
    {
        var target = new InMemoryTarget();
        var report = await ProcessAsync(Engine(null, target), Batch(keys: 100, changesPerKey: 3), In(5000));

        Assert.True(report.Succeeded);
        Assert.Null(report.FirstFailure);
        Assert.Equal((300, 100, 300, 0, 0), (report.RecordsIn, report.Keys, report.RecordsApplied, report.RecordsDeadLettered, report.RecordsFailed));
        Assert.Equal(100, target.Items.Count);
        Assert.All(target.Items.Values, item => Assert.Equal("2", item["v"].AsNumber()));
        Assert.Equal(4, target.BatchRequests);
    }

    [Fact]
    public async Task Process_UnprocessedItems_AreRetriedUntilNoneIsLost()
    {
        var target = new InMemoryTarget();
        var calls = 0;
        // The first requests leave every other item unprocessed, as a throttled BatchWriteItem does.
        target.Fault = actions => Interlocked.Increment(ref calls) <= 8 ? actions.Where((_, i) => i % 2 == 0).ToList() : [];

        var report = await ProcessAsync(Engine(null, target), Batch(keys: 100), In(5000));

        Assert.True(report.Succeeded);
        Assert.Equal(100, target.Items.Count);
        Assert.True(target.BatchRequests > 4);
    }

    [Theory]
    [InlineData(TargetErrorKind.Retryable)]
    public async Task Process_ThrottlingAnd5xx_AreRetried(TargetErrorKind kind)
    {
        var target = new InMemoryTarget();
        var calls = 0;
        target.Fault = actions => Interlocked.Increment(ref calls) <= 5 ? throw new TargetRefuses(kind, "ProvisionedThroughputExceededException") : [];

        var report = await ProcessAsync(Engine(null, target), Batch(keys: 30), In(5000));

        Assert.True(report.Succeeded);
        Assert.Equal(30, target.Items.Count);
    }

    [Fact]
    public async Task Process_FailureOutlastingTheDeadline_IsReportedAtTheEarliestUnappliedSequenceNumber()
    {
        var target = new InMemoryTarget();
        // Key k7 is throttled for ever; its first record is 1007, its second 1057 (50 keys a round).
        target.Fault = actions => actions.Any(a => IsKey(a, "k7")) ? actions.Where(a => IsKey(a, "k7")).ToList() : [];

        var report = await ProcessAsync(Engine(null, target), Batch(keys: 50, changesPerKey: 2), In(2000));

        Assert.False(report.Succeeded);
        Assert.Equal("1007", report.FirstFailure?.Value);
        Assert.Equal(2, report.RecordsFailed);
        Assert.Equal(98, report.RecordsApplied);
        Assert.Equal(49, target.Items.Count);
        Assert.Contains(report.Errors, e => e.Contains("deadline", StringComparison.Ordinal) && e.Contains("k7", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Process_FatalError_FailsWithoutWaitingForTheDeadline()
    {
        var target = new InMemoryTarget { Fault = _ => throw new TargetRefuses(TargetErrorKind.Fatal, "ResourceNotFoundException") };
        var report = await ProcessAsync(Engine(null, target), Batch(keys: 3), In(60_000));

        Assert.Equal("1000", report.FirstFailure?.Value);
        Assert.Equal(1, target.BatchRequests); // Refused once, never retried.
        Assert.True(_time.GetUtcNow() - FakeClock.Start < TimeSpan.FromSeconds(1), $"the engine waited {_time.GetUtcNow() - FakeClock.Start} for a fatal error");
    }

    private static Func<IReadOnlyList<WriteAction>, IReadOnlyList<WriteAction>> PoisonOn(string key) =>
        actions => actions.Any(a => IsKey(a, key)) ? throw new TargetRefuses(TargetErrorKind.Poison, "ValidationException: Item size has exceeded the maximum allowed size") : [];

    [Fact]
    public async Task Process_PoisonRecordWithDeadLetterQueue_IsDeadLetteredWhileItsNeighboursApply()
    {
        var target = new InMemoryTarget { Fault = PoisonOn("k3") };
        var deadLetters = new InMemoryDeadLetters();

        var report = await ProcessAsync(Engine(deadLetters, target), Batch(keys: 10), In(5000));

        Assert.True(report.Succeeded);
        Assert.Equal((9, 1, 0), (report.RecordsApplied, report.RecordsDeadLettered, report.RecordsFailed));
        Assert.Equal(9, target.Items.Count);
        var letter = Assert.Single(deadLetters.Letters);
        Assert.Equal("us-west-2:target", letter.Target);
        Assert.Equal("1003", letter.SequenceNumber);
        Assert.Contains("Item size has exceeded", letter.Error, StringComparison.Ordinal);
        Assert.Contains("\"SequenceNumber\":\"1003\"", System.Text.Encoding.UTF8.GetString(letter.Record.Span), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_PoisonRecordWithoutDeadLetterQueue_IsAFailureAtItsSequenceNumber()
    {
        var target = new InMemoryTarget { Fault = PoisonOn("k3") };

        var report = await ProcessAsync(Engine(null, target), Batch(keys: 10), In(5000));

        Assert.Equal("1003", report.FirstFailure?.Value);
        Assert.Equal(9, target.Items.Count);
    }

    [Fact]
    public async Task Process_DeadLetterQueueDown_PoisonRecordIsAFailureNotALoss()
    {
        var target = new InMemoryTarget { Fault = PoisonOn("k3") };
        var deadLetters = new InMemoryDeadLetters { Broken = true };

        var report = await ProcessAsync(Engine(deadLetters, target), Batch(keys: 10), In(5000));

        Assert.Equal("1003", report.FirstFailure?.Value);
        Assert.Contains(report.Errors, e => e.Contains("could not dead-letter", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Process_DeadLetterQueueHanging_IsCutOffAtTheDeadline_AndThePoisonRecordFails()
    {
        var target = new InMemoryTarget { Fault = PoisonOn("k3") };
        var deadLetters = new InMemoryDeadLetters { Hangs = true };
        var deadline = In(2000);

        var report = await ProcessAsync(Engine(deadLetters, target), Batch(keys: 10), deadline);

        // The clock moves on while the engine finishes its report, so "at the deadline" is within a few of its steps.
        Assert.True(_time.GetUtcNow() < deadline + TimeSpan.FromMilliseconds(500), $"dead letters ran {_time.GetUtcNow() - deadline} past the host's deadline");
        Assert.Equal("1003", report.FirstFailure?.Value);
        Assert.Contains(report.Errors, e => e.Contains("the deadline passed", StringComparison.Ordinal));
        Assert.Equal(9, report.RecordsApplied);
    }

    [Fact]
    public async Task Process_DeadLetterQueueHanging_IsCutOffAThirdOfTheReserveBeforeTheHostDeadline()
    {
        // Default reserve of 3 s: apply stops at T-3 s, dead letters at T-1 s, and the last second is for the response and log.
        var time = new FakeTimeProvider(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var settings = TestSettings.FastEngine with { DeadlineReserve = TimeSpan.FromSeconds(3) };
        var deadLetters = new InMemoryDeadLetters { Hangs = true };
        var engine = new ReplicationEngine([new InMemoryTarget { Fault = PoisonOn("k3") }], deadLetters, settings, time, new Random(7));
        var deadline = time.GetUtcNow().AddSeconds(10);

        var processing = engine.ProcessAsync(Batch(keys: 10), deadline, CancellationToken.None);
        await deadLetters.FirstSend.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        time.Advance(TimeSpan.FromSeconds(9) - TimeSpan.FromMilliseconds(1));
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.False(processing.IsCompleted, "dead letters were cut off before apply-deadline + 2/3 of the reserve");

        time.Advance(TimeSpan.FromMilliseconds(1));
        var report = await processing.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.True(time.GetUtcNow() <= deadline - TimeSpan.FromSeconds(1));
        Assert.Equal("1003", report.FirstFailure?.Value);
        Assert.Contains(report.Errors, e => e.Contains("the deadline passed", StringComparison.Ordinal));
        Assert.Equal(9, report.RecordsApplied);
    }

    [Fact]
    public async Task Process_ManyPoisonRecords_AreDeadLetteredConcurrently()
    {
        var target = new InMemoryTarget { Fault = _ => throw new TargetRefuses(TargetErrorKind.Poison, "ValidationException: key schema") };
        var deadLetters = new InMemoryDeadLetters { Delay = TimeSpan.FromMilliseconds(50) };

        var report = await ProcessAsync(Engine(deadLetters, target), Batch(keys: 64), In(60_000));

        Assert.True(report.Succeeded);
        Assert.Equal(64, report.RecordsDeadLettered);
        Assert.Equal(64, deadLetters.Letters.Count);
        Assert.True(deadLetters.MostInFlight > 1, $"at most {deadLetters.MostInFlight} letter(s) were in flight at once");
    }

    [Fact]
    public async Task Process_MalformedRecord_IsDeadLetteredWhole_OrReportedAtItsSequenceNumber()
    {
        var bad = Events.Record("INSERT", "x", 1001, 1).Replace("\"N\":\"1\"", "\"N\":\"one\"", StringComparison.Ordinal);
        var batch = Events.Parse(Events.Event(Events.Record("INSERT", "a", 1000, 1), bad, Events.Record("INSERT", "b", 1002, 1)));

        var deadLetters = new InMemoryDeadLetters();
        var withQueue = await ProcessAsync(Engine(deadLetters, new InMemoryTarget()), batch, In(5000));
        Assert.True(withQueue.Succeeded);
        Assert.Equal(bad, System.Text.Encoding.UTF8.GetString(Assert.Single(deadLetters.Letters).Record.Span));

        var withoutQueue = await ProcessAsync(Engine(null, new InMemoryTarget()), batch, In(5000));
        Assert.Equal("1001", withoutQueue.FirstFailure?.Value);
        Assert.Equal(2, withoutQueue.RecordsApplied);
    }

    [Fact]
    public async Task Process_MalformedRecordDeadLettered_KeepsItsEventId()
    {
        var bad = Events.Record("INSERT", "x", 1001, 1).Replace("\"N\":\"1\"", "\"N\":\"one\"", StringComparison.Ordinal);
        var deadLetters = new InMemoryDeadLetters();

        await ProcessAsync(Engine(deadLetters, new InMemoryTarget()), Events.Parse(Events.Event(bad)), In(5000));

        var letter = Assert.Single(deadLetters.Letters);
        Assert.Equal("e1001", letter.EventId);
        Assert.Equal("1001", letter.SequenceNumber);
    }

    [Fact]
    public async Task Process_MalformedRecordWithoutSequenceNumber_FailsTheWholeBatchFromItsStart()
    {
        var bad = Events.Record("INSERT", "x", 1001, 1).Replace(",\"SequenceNumber\":\"1001\"", "", StringComparison.Ordinal);
        var batch = Events.Parse(Events.Event(Events.Record("INSERT", "a", 1000, 1), bad));

        var report = await ProcessAsync(Engine(null, new InMemoryTarget()), batch, In(5000));
        Assert.Equal("1000", report.FirstFailure?.Value);

        var alone = await ProcessAsync(Engine(null, new InMemoryTarget()), Events.Parse(Events.Event(bad)), In(5000));
        Assert.True(alone.FailedWithoutPosition);
        Assert.False(alone.Succeeded);
    }

    [Fact]
    public async Task Process_WriterThrowingUnexpectedly_FailsOnlyThatChunk_AtItsEarliestSequenceNumber()
    {
        // 60 keys make chunks k0–k24, k25–k49 and k50–k59; the writer breaks on the second.
        var target = new InMemoryTarget { Fault = actions => actions.Any(a => IsKey(a, "k30")) ? throw new InvalidOperationException("the writer is broken") : [] };

        var report = await ProcessAsync(Engine(null, target), Batch(keys: 60), In(5000));

        Assert.Equal("1025", report.FirstFailure?.Value);
        Assert.Equal((35, 25), (report.RecordsApplied, report.RecordsFailed));
        Assert.Equal(35, target.Items.Count);
        Assert.Contains(report.Errors, e => e.Contains("the writer is broken", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Process_PoisonChunksSplitIntoSingleWrites_AreBoundedByMaxConcurrentRequests()
    {
        // Every batch is refused, so all 100 keys are written singly: 4 chunks of 25 at once, but no more than 4 singles in flight.
        var target = new InMemoryTarget
        {
            Fault = actions => actions.Count > 1 ? throw new TargetRefuses(TargetErrorKind.Poison, "ValidationException") : [],
            SingleWriteDelay = TimeSpan.FromMilliseconds(5),
        };
        var engine = new ReplicationEngine([target], null, TestSettings.FastEngine with { MaxConcurrentRequests = 4 }, _time, new Random(7));

        var report = await ProcessAsync(engine, Batch(keys: 100), In(30_000));

        Assert.True(report.Succeeded, string.Join("; ", report.Errors));
        Assert.Equal(100, target.Items.Count);
        Assert.InRange(target.MostSinglesInFlight, 1, 4);
    }

    [Fact]
    public async Task Process_SeveralTargets_FailureOnOneIsReported_TheOtherHasEverything()
    {
        var west = new InMemoryTarget("us-west-2");
        var europe = new InMemoryTarget("eu-west-1") { Fault = actions => actions.Where(a => IsKey(a, "k5")).ToList() };

        var report = await ProcessAsync(Engine(null, west, europe), Batch(keys: 10), In(2000));

        Assert.Equal("1005", report.FirstFailure?.Value);
        Assert.Equal(10, west.Items.Count);
        Assert.Equal(9, europe.Items.Count);
        Assert.Equal(["us-west-2", "eu-west-1"], report.Latencies.Select(l => l.Region));
        Assert.Equal(10, report.Latencies[0].Milliseconds.Count);
    }

    [Fact]
    public async Task Process_ReplayOfTheSameBatch_ChangesNothing()
    {
        var target = new InMemoryTarget();
        var batch = Batch(keys: 20, changesPerKey: 3);
        await ProcessAsync(Engine(null, target), batch, In(5000));
        var before = target.Items.ToDictionary();

        var again = await ProcessAsync(Engine(null, target), batch, In(5000));

        Assert.True(again.Succeeded);
        Assert.True(PlannerTests.SameState(before, target.Items));
    }

    /// <summary>
    /// The contract hosts rely on: whatever fails, every record before the reported sequence number
    /// is durable, and delivering the stream again from that point leaves the target equal to
    /// applying every record one by one.
    /// </summary>
    [Fact]
    public void Process_ResumingFromTheReportedFailure_AlwaysConverges() =>
        Gen.Select(PlannerTests.Changes, Gen.Int[0, 4].HashSet[0, 3], Gen.Bool).Sample((changes, failingKeys, poison) =>
        {
            var batch = Events.Parse(PlannerTests.EventOf(changes));
            var target = new InMemoryTarget();
            var deadLetters = new InMemoryDeadLetters();
            bool Fails(WriteAction a) => failingKeys.Contains(int.Parse(a.Key.Attributes["pk"].AsString()[1..], System.Globalization.CultureInfo.InvariantCulture));
            target.Fault = actions => actions.Any(Fails) && poison
                ? throw new TargetRefuses(TargetErrorKind.Poison, "ValidationException")
                : actions.Where(Fails).ToList();

            var report = ProcessAsync(Engine(null, target), batch, In(600)).GetAwaiter().GetResult();

            var expected = PlannerTests.ApplyOneByOne(batch.Records, []);
            if (report.FirstFailure is not { } resumeAt)
            {
                return PlannerTests.SameState(expected, target.Items);
            }

            // Nothing before the failure point may be left unapplied.
            var unappliedBefore = batch.Records.Where(r => r.SequenceNumber < resumeAt && failingKeys.Contains(int.Parse(r.Key.Attributes["pk"].AsString()[1..], System.Globalization.CultureInfo.InvariantCulture)));
            target.Fault = _ => [];
            var rest = new ParsedBatch(batch.Records.Where(r => r.SequenceNumber >= resumeAt).ToList(), []);
            var resumed = ProcessAsync(Engine(null, target), rest, In(5000)).GetAwaiter().GetResult();
            return !unappliedBefore.Any() && resumed.Succeeded && PlannerTests.SameState(expected, target.Items);
        }, iter: 60, threads: 1);
}

internal sealed class InMemoryDeadLetters : IDeadLetterSink
{
    public List<DeadLetter> Letters { get; } = [];

    public bool Broken { get; init; }

    /// <summary>Never answers: only cancellation ends a send.</summary>
    public bool Hangs { get; init; }

    public TimeSpan Delay { get; init; }

    public int MostInFlight { get; private set; }

    private int _inFlight;
    private readonly TaskCompletionSource _firstSend = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first letter's send begins.</summary>
    public Task FirstSend => _firstSend.Task;

    public async Task SendAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        _firstSend.TrySetResult();
        if (Broken)
        {
            throw new HttpRequestException("queue unreachable");
        }

        var inFlight = Interlocked.Increment(ref _inFlight);
        lock (Letters)
        {
            MostInFlight = Math.Max(MostInFlight, inFlight);
        }

        try
        {
            await Task.Delay(Hangs ? Timeout.InfiniteTimeSpan : Delay, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }

        lock (Letters)
        {
            Letters.Add(letter);
        }
    }
}
