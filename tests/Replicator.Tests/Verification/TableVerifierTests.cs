using Replicator.Applying;
using Replicator.Model;
using Replicator.Planning;
using Replicator.Verification;

using Replicator.Tests.Applying;

namespace Replicator.Tests.Verification;

public sealed class TableVerifierTests
{
    private static readonly KeyAttribute PartitionKey = new("pk", "S", IsPartitionKey: true);
    private static readonly KeyAttribute SortKey = new("sk", "N", IsPartitionKey: false);

    /// <summary>The defaults (a settle of 1 s, backoff from 50 ms to 5 s, giving up after 2 min), all on <see cref="_time"/>, where waits take no real time.</summary>
    private static readonly VerifySettings Defaults = new() { Segments = 4 };

    /// <summary>Backoff of exactly 100, 200, 400, 800 ms, then 1 s (<see cref="CeilingRandom"/>): the timing tests count on it.</summary>
    private static readonly VerifySettings Timed = new()
    {
        Segments = 1,
        BaseRetryDelay = TimeSpan.FromMilliseconds(100),
        MaxRetryDelay = TimeSpan.FromSeconds(1),
    };

    private readonly SkippingClock _time = new();

    /// <summary>A jitter that always picks the ceiling, so each wait is exactly base × 2^n, capped.</summary>
    private sealed class CeilingRandom : Random
    {
        public override double NextDouble() => 1.0;
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static InMemoryTable Source() => new("us-east-1", "users", PartitionKey, SortKey);

    private static InMemoryTable Target(string region = "us-west-2") => new(region, "users", PartitionKey, SortKey);

    private static Dictionary<string, DynamoValue> Item(string pk, int sk, params (string Name, DynamoValue Value)[] attributes)
    {
        var item = new Dictionary<string, DynamoValue>(StringComparer.Ordinal)
        {
            ["pk"] = DynamoValue.String(pk),
            ["sk"] = DynamoValue.Number(sk.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        foreach (var (name, value) in attributes)
        {
            item[name] = value;
        }

        return item;
    }

    private static ItemKey Key(string pk, int sk) => new(new Dictionary<string, DynamoValue>(StringComparer.Ordinal)
    {
        ["pk"] = DynamoValue.String(pk),
        ["sk"] = DynamoValue.Number(sk.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    });

    /// <summary>The same items on both tables, each of every attribute type.</summary>
    private static void Fill(int count, params InMemoryTable[] tables)
    {
        for (var i = 0; i < count; i++)
        {
            var item = Item($"user{i % 37}", i,
                ("name", DynamoValue.String($"User {i}")),
                ("visits", DynamoValue.Number($"{i * 3}")),
                ("avatar", DynamoValue.Binary([(byte)i, 0, 255])),
                ("active", DynamoValue.Bool(i % 2 == 0)),
                ("nickname", DynamoValue.Null),
                ("address", DynamoValue.Map(new Dictionary<string, DynamoValue> { ["geo"] = DynamoValue.List([DynamoValue.Number("38.7"), DynamoValue.Number("-9.1")]) })),
                ("tags", DynamoValue.StringSet(["a", "b", $"t{i % 5}"])),
                ("scores", DynamoValue.NumberSet(["1", "2.5"])),
                ("keys", DynamoValue.BinarySet([[1], [2, 3]])));
            foreach (var table in tables)
            {
                table.Put(item);
            }
        }
    }

    private TableVerifier Verifier(InMemoryTable source, VerifySettings? settings = null, params InMemoryTable[] targets) =>
        new(source, targets.Select(target => new VerifyTarget(target, target)).ToList(), settings ?? Defaults, _time, new Random(7));

    private TableVerifier TimedVerifier(InMemoryTable source, VerifySettings settings, InMemoryTable target) =>
        new(source, [new VerifyTarget(target, target)], settings, _time, new CeilingRandom());

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(13)]
    public async Task Run_IdenticalTables_ComparesEveryItemOnce_AndFindsNothing(int segments)
    {
        var (source, target) = (Source(), Target());
        Fill(300, source, target);

        var report = await Verifier(source, Defaults with { Segments = segments }, target).RunAsync(Token);

        Assert.True(report.Identical);
        Assert.Equal(300, report.SourceItems);
        var only = Assert.Single(report.Targets);
        Assert.Equal((300, 300, 300, 0L), (only.Compared, only.Matched, only.TargetItemsScanned, only.Differences));
        Assert.Empty(only.Samples);
        Assert.Equal(0, target.GetRequests); // Nothing differed, so nothing was read again.
    }

    [Fact]
    public async Task Run_PlantedDifferences_AreFoundExactly_AndSemanticEqualsAreNot()
    {
        var (source, target) = (Source(), Target());
        Fill(60, source, target);
        source.Put(Item("missing", 1, ("v", DynamoValue.String("only on the source"))));
        target.Put(Item("extra", 2, ("v", DynamoValue.String("only on the target"))));
        source.Put(Item("changed", 3, ("v", DynamoValue.String("new")), ("same", DynamoValue.Bool(true))));
        target.Put(Item("changed", 3, ("v", DynamoValue.String("old")), ("same", DynamoValue.Bool(true))));
        source.Put(Item("retyped", 4, ("count", DynamoValue.Number("7"))));
        target.Put(Item("retyped", 4, ("count", DynamoValue.String("7"))));
        // Not differences: set order, number spelling, the same bytes in other arrays.
        source.Put(Item("sets", 5, ("ss", DynamoValue.StringSet(["b", "a"])), ("ns", DynamoValue.NumberSet(["2", "1"])), ("bs", DynamoValue.BinarySet([[2], [1]]))));
        target.Put(Item("sets", 5, ("ss", DynamoValue.StringSet(["a", "b"])), ("ns", DynamoValue.NumberSet(["1", "2.0"])), ("bs", DynamoValue.BinarySet([[1], [2]]))));
        source.Put(Item("number", 6, ("n", DynamoValue.Number("1E+3")), ("m", DynamoValue.Map(new Dictionary<string, DynamoValue> { ["x"] = DynamoValue.Number("0.50") }))));
        target.Put(Item("number", 6, ("n", DynamoValue.Number("1000")), ("m", DynamoValue.Map(new Dictionary<string, DynamoValue> { ["x"] = DynamoValue.Number(".5") }))));
        source.Put(Item("binary", 7, ("b", DynamoValue.Binary([0, 1, 255]))));
        target.Put(Item("binary", 7, ("b", DynamoValue.Binary([0, 1, 255]))));

        var report = await Verifier(source, null, target).RunAsync(Token);

        var result = Assert.Single(report.Targets);
        Assert.Equal((1L, 1L, 2L), (result.Missing, result.Extra, result.Different));
        Assert.Equal(source.Items.Count, result.Compared);
        Assert.Equal(source.Items.Count - 3, result.Matched);
        Assert.False(report.Identical);
        Assert.False(report.Succeeded);

        var missing = Assert.Single(result.Samples, sample => sample.Kind == Divergence.Missing);
        Assert.Equal(Key("missing", 1), missing.Key);
        Assert.Equal(["v"], missing.Attributes.Select(attribute => attribute.Name)); // The key is shown once, not as attributes.
        var extra = Assert.Single(result.Samples, sample => sample.Kind == Divergence.Extra);
        Assert.Equal(Key("extra", 2), extra.Key);
        Assert.Null(Assert.Single(extra.Attributes).Source);

        var changed = Assert.Single(result.Samples, sample => sample.Key.Equals(Key("changed", 3)));
        var attribute = Assert.Single(changed.Attributes);
        Assert.Equal(("v", "{\"S\":\"new\"}", "{\"S\":\"old\"}"), (attribute.Name, attribute.Source!.ToString(), attribute.Target!.ToString()));
        var retyped = Assert.Single(Assert.Single(result.Samples, sample => sample.Key.Equals(Key("retyped", 4))).Attributes);
        Assert.Equal((DynamoType.N, DynamoType.S), (retyped.Source!.Type, retyped.Target!.Type));
    }

    [Fact]
    public async Task Run_ChangeInFlight_FirstReadDiffersButTheRereadAgrees_IsNotADifference()
    {
        var (source, target) = (Source(), Target());
        Fill(50, source, target);
        // The source has a newer image whose replication lands just after the target's first read.
        var newer = Item("user3", 3, ("name", DynamoValue.String("renamed")));
        source.Put(newer);
        var landed = 0;
        target.AfterBatchGet = keys =>
        {
            if (keys.Contains(Key("user3", 3)) && Interlocked.Exchange(ref landed, 1) == 0)
            {
                target.Put(newer);
            }
        };
        // And an item created on both sides while the target is scanned for extras: the source
        // read says no such item, the re-read finds it.
        var created = Item("late", 99, ("v", DynamoValue.String("new")));
        target.Put(created);
        source.AfterBatchGet = keys =>
        {
            if (keys.Contains(Key("late", 99)))
            {
                source.Put(created);
            }
        };

        var report = await Verifier(source, null, target).RunAsync(Token);

        var result = Assert.Single(report.Targets);
        Assert.True(report.Identical, string.Join("; ", result.Samples));
        Assert.Equal(2, result.SettledOnReread);
        Assert.Equal(result.Compared, result.Matched);
    }

    [Fact]
    public async Task Run_DifferenceThatTheRereadStillSees_IsReportedAsTheRereadSawIt()
    {
        var (source, target) = (Source(), Target());
        Fill(20, source, target);
        source.Put(Item("gone", 1, ("v", DynamoValue.String("x"))));
        target.Put(Item("gone", 1, ("v", DynamoValue.String("stale"))));
        // Deleted from the source between its scan and the re-read, and never from the target.
        target.AfterBatchGet = keys =>
        {
            if (keys.Contains(Key("gone", 1)))
            {
                source.Items.TryRemove(Key("gone", 1), out _);
            }
        };

        var report = await Verifier(source, null, target).RunAsync(Token);

        var result = Assert.Single(report.Targets);
        Assert.Equal((0L, 1L, 0L), (result.Missing, result.Extra, result.Different));
        Assert.Equal(Divergence.Extra, Assert.Single(result.Samples).Kind);
    }

    [Fact]
    public async Task Run_UnprocessedKeysAndThrottling_AreRetried_NothingIsLost()
    {
        var (source, target) = (Source(), Target());
        Fill(400, source, target);
        source.Put(Item("missing", 1));
        target.Put(Item("extra", 2));
        var batchGets = 0;
        var scans = 0;
        var gets = 0;
        // A hot target: most BatchGetItem requests leave half their keys unprocessed, some are throttled outright.
        target.BatchGetFault = keys => (Interlocked.Increment(ref batchGets) % 5) switch
        {
            0 => throw new TableReadException("ProvisionedThroughputExceededException", retryable: true),
            < 4 => keys.Where((_, i) => i % 2 == 1).ToList(),
            _ => [],
        };
        source.BatchGetFault = keys => keys.Skip(1).ToList();
        source.ScanFault = (_, call) =>
        {
            if (call % 3 == 0 && Interlocked.Increment(ref scans) < 20)
            {
                throw new TableReadException("InternalServerError", retryable: true);
            }
        };
        target.GetFault = _ =>
        {
            if (Interlocked.Increment(ref gets) % 2 == 1)
            {
                throw new TableReadException("ThrottlingException", retryable: true);
            }
        };

        var report = await Verifier(source, null, target).RunAsync(Token);

        var result = Assert.Single(report.Targets);
        Assert.Equal((401L, 400L, 1L, 1L, 0L), (result.Compared, result.Matched, result.Missing, result.Extra, result.Different));
        Assert.Equal(401, result.TargetItemsScanned);
    }

    [Fact]
    public async Task Run_ReadThatNeverProgresses_GivesUpAfterGiveUpAfterOfFakeTime_NamingTheOperation()
    {
        var (source, target) = (Source(), Target());
        Fill(10, source, target);
        target.BatchGetFault = keys => keys;
        var started = _time.GetUtcNow();

        var error = await Assert.ThrowsAsync<TableReadException>(() => TimedVerifier(source, Timed with { GiveUpAfter = TimeSpan.FromSeconds(10) }, target).RunAsync(Token));

        Assert.False(error.Retryable);
        // Waits of 0.1 + 0.2 + 0.4 + 0.8 s, then eight of 1 s: 9.5 s; one more would pass 10 s.
        Assert.Equal(
            "BatchGetItem on us-west-2:users: no progress for 10 s (13 attempts); last error: 7 key(s) left unprocessed (throttled)",
            error.Message);
        Assert.Equal(TimeSpan.FromSeconds(9.5), _time.GetUtcNow() - started);
        Assert.Equal(13, target.BatchGetRequests);
    }

    [Fact]
    public async Task Run_ThrottledReadWhoseUnprocessedKeysKeepShrinking_DoesNotGiveUp_TheWindowIsMeasuredWithoutProgress()
    {
        var source = new InMemoryTable("us-east-1", "users", PartitionKey, SortKey) { PageSize = 50 };
        var target = Target();
        Fill(40, source, target);
        var calls = 0;
        // Three requests in four leave every key unprocessed; the fourth processes one key.
        target.BatchGetFault = keys => Interlocked.Increment(ref calls) % 4 == 0 ? keys.Skip(1).ToList() : keys;
        var started = _time.GetUtcNow();

        var report = await TimedVerifier(source, Timed with { GiveUpAfter = TimeSpan.FromSeconds(2) }, target).RunAsync(Token);

        Assert.True(report.Identical);
        Assert.Equal(40, Assert.Single(report.Targets).Matched);
        // The first key took 0.7 s of waits (0.1 + 0.2 + 0.4), each of the 39 others 1.5 s (0.1,
        // the backoff starting over after progress, then 0.2 + 0.4 + 0.8): almost a minute in all,
        // thirty times the window, without giving up.
        Assert.Equal(TimeSpan.FromSeconds(0.7 + (39 * 1.5)), _time.GetUtcNow() - started);
    }

    [Fact]
    public async Task Run_SettleWait_RereadsADifferenceOnlyOnceSettleHasPassedSinceItsFirstRead()
    {
        var (source, target) = (Source(), Target());
        Fill(10, source, target);
        target.Put(Item("user3", 3, ("name", DynamoValue.String("stale"))));
        var firstRead = DateTimeOffset.MinValue;
        target.AfterBatchGet = keys =>
        {
            if (keys.Contains(Key("user3", 3)))
            {
                firstRead = _time.GetUtcNow();
            }
        };
        var rereads = new List<DateTimeOffset>();
        source.GetFault = _ => rereads.Add(_time.GetUtcNow());

        var report = await TimedVerifier(source, Timed with { Settle = TimeSpan.FromSeconds(30) }, target).RunAsync(Token);

        Assert.Equal(1, Assert.Single(report.Targets).Different);
        Assert.Equal(firstRead + TimeSpan.FromSeconds(30), Assert.Single(rereads));
    }

    [Fact]
    public async Task Run_CallerCancelsWhileAReadIsRetried_ThrowsOperationCanceled()
    {
        var (source, target) = (Source(), Target());
        Fill(10, source, target);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        target.BatchGetFault = keys =>
        {
            cancel.Cancel();
            return keys;
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TimedVerifier(source, Timed, target).RunAsync(cancel.Token));
    }

    [Fact]
    public async Task Run_ErrorThatIsNotWorthRetrying_StopsAtOnce()
    {
        var (source, target) = (Source(), Target());
        Fill(10, source, target);
        target.BatchGetFault = _ => throw new TableReadException("AccessDeniedException: not allowed", retryable: false);

        // One segment, so the one request counted is the only one made (segments in parallel would each make their first).
        var error = await Assert.ThrowsAsync<TableReadException>(() => TimedVerifier(source, Timed, target).RunAsync(Token));

        Assert.Contains("AccessDeniedException", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, target.BatchGetRequests);
    }

    [Fact]
    public async Task Run_TargetWithAnotherKey_IsASetupErrorNamingBothKeys()
    {
        var source = Source();
        var target = new InMemoryTable("us-west-2", "users", PartitionKey, SortKey with { Type = "S" });

        var error = await Assert.ThrowsAsync<VerificationSetupException>(() => Verifier(source, null, target).RunAsync(Token));

        Assert.StartsWith("--target: us-west-2:users has the key pk (S, partition key) + sk (S, sort key), but the source us-east-1:users has pk (S, partition key) + sk (N, sort key)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, "--source: table us-east-1:users does not exist.")]
    [InlineData(false, "--target: table us-west-2:users does not exist.")]
    public async Task Run_MissingTable_IsASetupErrorNamingTheOption(bool sourceMissing, string message)
    {
        var (source, target) = (Source(), Target());
        (sourceMissing ? source : target).Exists = false;

        var error = await Assert.ThrowsAsync<VerificationSetupException>(() => Verifier(source, null, target).RunAsync(Token));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public async Task Run_SeveralTargets_EachGetsItsOwnReport()
    {
        var (source, west, europe) = (Source(), Target(), Target("eu-west-1"));
        Fill(40, source, west, europe);
        west.Items.TryRemove(Key("user3", 3), out _);

        var report = await Verifier(source, null, west, europe).RunAsync(Token);

        Assert.Equal((1L, 0L), (report.Targets[0].Missing, report.Targets[1].Differences));
        Assert.Equal("eu-west-1:users", report.Targets[1].Target.ToString());
    }

    [Fact]
    public async Task Repair_ThrottledWrites_AreRetriedUntilEveryDifferenceIsRepaired_ThenVerifyFindsNothing()
    {
        var (source, target) = (Source(), Target());
        Fill(200, source, target);
        for (var i = 0; i < 60; i++)
        {
            if (i % 3 == 0)
            {
                source.Put(Item("missing", i, ("v", DynamoValue.Number($"{i}"))));
            }
            else if (i % 3 == 1)
            {
                target.Put(Item("extra", i));
            }
            else
            {
                target.Put(Item($"user{i % 37}", i, ("name", DynamoValue.String("stale"))));
            }
        }

        var writes = 0;
        // Most write requests leave every other item unprocessed; some are refused as throttled.
        target.WriteFault = actions => (Interlocked.Increment(ref writes) % 4) switch
        {
            0 => throw new TargetRefuses(TargetErrorKind.Retryable, "ProvisionedThroughputExceededException"),
            < 3 => actions.Where((_, i) => i % 2 == 0).ToList(),
            _ => [],
        };

        var repair = await Verifier(source, Defaults with { Repair = true }, target).RunAsync(Token);

        var result = Assert.Single(repair.Targets);
        Assert.Equal((20L, 20L, 20L), (result.Missing, result.Extra, result.Different));
        Assert.Equal((60L, 0L, 0L), (result.Repair!.Repaired, result.Repair.Failed, result.Repair.StillDifferent));
        Assert.True(repair.Succeeded);
        Assert.True(writes > 10);

        target.WriteFault = _ => throw new InvalidOperationException("verify without --repair must not write");
        var again = await Verifier(source, null, target).RunAsync(Token);
        Assert.True(again.Identical);
        Assert.Equal(source.Items.Count, target.Items.Count);
    }

    [Fact]
    public async Task Repair_WritesTheSourcesRereadImage_NotTheScannedOne()
    {
        var (source, target) = (Source(), Target());
        source.Put(Item("k", 1, ("v", DynamoValue.String("scanned"))));
        var latest = Item("k", 1, ("v", DynamoValue.String("latest")));
        // The source changes after its scan, before the re-read.
        target.AfterBatchGet = _ => source.Put(latest);

        var report = await Verifier(source, Defaults with { Repair = true }, target).RunAsync(Token);

        Assert.True(report.Succeeded);
        Assert.True(DynamoValue.MapsEqual(latest, target.Items[Key("k", 1)]));
    }

    [Fact]
    public async Task Repair_WriteThatNeverSucceeds_IsReportedAsFailed_NotDropped()
    {
        var (source, target) = (Source(), Target());
        Fill(20, source);
        target.WriteFault = _ => throw new TargetRefuses(TargetErrorKind.Fatal, "AccessDeniedException: no PutItem");

        var report = await Verifier(source, Defaults with { Repair = true }, target).RunAsync(Token);

        var repair = Assert.Single(report.Targets).Repair!;
        Assert.Equal(20, repair.Failed);
        Assert.Equal(0, repair.Repaired);
        Assert.False(report.Succeeded);
        Assert.Contains(repair.Errors, error => error.Contains("AccessDeniedException", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Repair_WriteThrottledForEver_FailsOnceTheRepairTimeoutHasPassed()
    {
        var source = new InMemoryTable("us-east-1", "users", PartitionKey, SortKey) { PageSize = 50 };
        var target = Target();
        Fill(20, source);
        var writes = new List<DateTimeOffset>();
        target.WriteFault = actions =>
        {
            lock (writes)
            {
                writes.Add(_time.GetUtcNow());
            }

            return actions;
        };

        var report = await TimedVerifier(source, Timed with { Repair = true, RepairTimeout = TimeSpan.FromSeconds(30) }, target).RunAsync(Token);

        var repair = Assert.Single(report.Targets).Repair!;
        Assert.Equal((0L, 20L), (repair.Repaired, repair.Failed));
        Assert.Contains(repair.Errors, error => error.Contains("not durable by the deadline", StringComparison.Ordinal));
        // Retried until the next wait (at most 1 s) would pass the 30 s timeout.
        Assert.InRange(writes[^1] - writes[0], TimeSpan.FromSeconds(29), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Repair_KeyChangedAgainAfterItsRepair_IsReportedStillDifferent()
    {
        var (source, target) = (Source(), Target());
        source.Put(Item("hot", 1, ("v", DynamoValue.Number("1"))));
        var written = 0;
        target.WriteFault = actions =>
        {
            // The application writes to the source again right after the repair, and nothing replicates it.
            if (Interlocked.Increment(ref written) == 1)
            {
                source.Put(Item("hot", 1, ("v", DynamoValue.Number("2"))));
            }

            return [];
        };

        var report = await Verifier(source, Defaults with { Repair = true }, target).RunAsync(Token);

        var repair = Assert.Single(report.Targets).Repair!;
        Assert.Equal((1L, 1L), (repair.Repaired, repair.StillDifferent));
        Assert.Equal("v", Assert.Single(Assert.Single(repair.StillDifferentSamples).Attributes).Name);
        Assert.False(report.Succeeded);
    }

    [Fact]
    public void Compare_ListsOnlyTheAttributesThatDiffer_Semantically()
    {
        var source = Item("k", 1,
            ("same", DynamoValue.String("x")),
            ("ss", DynamoValue.StringSet(["b", "a"])),
            ("n", DynamoValue.Number("1E+3")),
            ("b", DynamoValue.Binary([1, 2])),
            ("retyped", DynamoValue.Number("5")),
            ("onlySource", DynamoValue.Null));
        var target = Item("k", 1,
            ("same", DynamoValue.String("x")),
            ("ss", DynamoValue.StringSet(["a", "b"])),
            ("n", DynamoValue.Number("1000")),
            ("b", DynamoValue.Binary([1, 2])),
            ("retyped", DynamoValue.String("5")),
            ("onlyTarget", DynamoValue.Bool(false)));

        var differences = DifferenceSample.Compare(source, target);

        Assert.Equal(["onlySource", "onlyTarget", "retyped"], differences.Select(difference => difference.Name));
        Assert.Equal(Divergence.Different, DifferenceSample.Classify(source, target));
        Assert.Null(DifferenceSample.Classify(source, Item("k", 1, ("same", DynamoValue.String("x")), ("ss", DynamoValue.StringSet(["a", "b"])), ("n", DynamoValue.Number("1000")), ("b", DynamoValue.Binary([1, 2])), ("retyped", DynamoValue.Number("5.0")), ("onlySource", DynamoValue.Null))));
        Assert.Equal(Divergence.Missing, DifferenceSample.Classify(source, null));
        Assert.Equal(Divergence.Extra, DifferenceSample.Classify(null, target));
        Assert.Null(DifferenceSample.Classify(null, null));
    }
}
