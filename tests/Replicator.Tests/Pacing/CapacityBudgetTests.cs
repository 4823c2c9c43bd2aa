using Replicator.Applying;
using Replicator.Model;
using Replicator.Pacing;
using Replicator.Planning;
using Replicator.Tests.Verification;
using Replicator.Verification;

namespace Replicator.Tests.Pacing;

/// <summary>The capacity budget of backfill and verify (<c>--max-read-units</c>, <c>--max-write-units</c>), on a clock that skips its waits.</summary>
public sealed class CapacityBudgetTests
{
    private readonly SkippingClock _time = new();

    [Fact]
    public async Task Take_ManyRequests_KeepsTheRateAtTheBudget_AfterAOneSecondBurst()
    {
        var budget = new CapacityBudget(100, _time);
        var started = _time.GetUtcNow();

        for (var i = 0; i < 50; i++)
        {
            await budget.TakeAsync(10, CancellationToken.None);
            budget.Settle(10, 10);
        }

        // 500 units at 100 a second, the first second's 100 in hand: about 4 seconds, not less.
        var elapsed = (_time.GetUtcNow() - started).TotalSeconds;
        Assert.InRange(elapsed, 3.8, 4.3);
    }

    [Fact]
    public async Task Settle_AnswerConsumedMoreThanTheEstimate_TheDebtIsWaitedOut()
    {
        var budget = new CapacityBudget(100, _time);
        var started = _time.GetUtcNow();

        for (var i = 0; i < 50; i++)
        {
            await budget.TakeAsync(1, CancellationToken.None);
            budget.Settle(1, 10);
        }

        Assert.InRange((_time.GetUtcNow() - started).TotalSeconds, 3.8, 4.3);
        Assert.Equal(500, budget.Consumed);
    }

    [Fact]
    public async Task Settle_AnswerConsumedLessThanTheEstimate_GivesTheRestBack()
    {
        var budget = new CapacityBudget(100, _time);
        var started = _time.GetUtcNow();

        for (var i = 0; i < 50; i++)
        {
            await budget.TakeAsync(40, CancellationToken.None);
            budget.Settle(40, 10);
        }

        Assert.InRange((_time.GetUtcNow() - started).TotalSeconds, 3.6, 4.3);
    }

    [Fact]
    public async Task Take_ConcurrentRequests_TogetherKeepToTheBudget()
    {
        var budget = new CapacityBudget(1000, _time);
        var started = _time.GetUtcNow();

        await Parallel.ForEachAsync(Enumerable.Range(0, 400), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (_, token) =>
        {
            await budget.TakeAsync(25, token);
            budget.Settle(25, 25);
        });

        // 10,000 units at 1,000 a second with 1,000 in hand: at least 9 seconds, however many were in flight.
        Assert.True((_time.GetUtcNow() - started).TotalSeconds >= 8.9, $"took {(_time.GetUtcNow() - started).TotalSeconds} s");
    }

    [Fact]
    public async Task PacedWriter_SettlesWithTheUnitsTheTargetReports_IndexesIncluded()
    {
        // Each item is estimated at 1 unit, but the table has an index: the target reports 2 per item.
        var target = new ReportingTarget(unitsPerItem: 2);
        var writer = new PacedTargetWriter(target, new CapacityBudget(100, _time));
        var started = _time.GetUtcNow();

        for (var batch = 0; batch < 20; batch++)
        {
            await writer.WriteBatchAsync([.. Enumerable.Range(batch * 25, 25).Select(Put)], CancellationToken.None);
        }

        // 1,000 units reported at 100 a second: about 9 seconds, where the estimates alone would allow 4.
        Assert.InRange((_time.GetUtcNow() - started).TotalSeconds, 8.5, 10.5);
        Assert.Equal(500, target.Written);
    }

    [Fact]
    public async Task PacedReader_ScanPages_GoAtTheReportedUnits()
    {
        var table = new InMemoryTable("us-east-1", "users", new KeyAttribute("pk", "S", IsPartitionKey: true));
        for (var i = 0; i < 70; i++)
        {
            table.Items[new ItemKey(Key(i))] = Key(i);
        }

        var reader = new PacedTableReader(new ReportingReader(table, unitsPerPage: 50), new CapacityBudget(100, _time));
        var started = _time.GetUtcNow();

        IReadOnlyDictionary<string, DynamoValue>? start = null;
        var pages = 0;
        do
        {
            using var page = await reader.ScanAsync(0, 1, start, null, CancellationToken.None);
            start = page.LastEvaluatedKey;
            pages++;
        }
        while (start is not null);

        // Ten pages of 7 items at 50 units each: 500 units at 100 a second, with the first second's
        // 100 in hand and the last page's 50 owed when the scan ends (a debt the next read would wait out).
        Assert.Equal(10, pages);
        Assert.InRange((_time.GetUtcNow() - started).TotalSeconds, 3.4, 5.5);
    }

    private static Dictionary<string, DynamoValue> Key(int i) => new(StringComparer.Ordinal) { ["pk"] = DynamoValue.String($"k{i:D4}") };

    private static WriteAction Put(int i) => WriteAction.Copy(new ItemKey(Key(i)), Key(i));

    /// <summary>A target that takes every write and reports <paramref name="unitsPerItem"/> units per item consumed.</summary>
    private sealed class ReportingTarget(double unitsPerItem) : ITargetWriter
    {
        public int Written;

        public TargetTable Target { get; } = new("us-west-2", "users");

        public Task<BatchOutcome> WriteBatchAsync(IReadOnlyList<WriteAction> actions, CancellationToken cancellationToken)
        {
            Interlocked.Add(ref Written, actions.Count);
            return Task.FromResult<BatchOutcome>(new BatchOutcome.Written([]) { ConsumedUnits = actions.Count * unitsPerItem });
        }

        public Task<WriteOutcome> WriteOneAsync(WriteAction action, CancellationToken cancellationToken) => Task.FromResult<WriteOutcome>(new WriteOutcome.Written());
    }

    /// <summary>A table whose every scan page reports <paramref name="unitsPerPage"/> units consumed.</summary>
    private sealed class ReportingReader(InMemoryTable table, double unitsPerPage) : ITableReader
    {
        public TargetTable Table => table.Table;

        public Task<TableShape?> DescribeAsync(CancellationToken cancellationToken) => table.DescribeAsync(cancellationToken);

        public async Task<ScanPage> ScanAsync(int segment, int totalSegments, IReadOnlyDictionary<string, DynamoValue>? exclusiveStartKey, IReadOnlyList<string>? projection, CancellationToken cancellationToken) =>
            await table.ScanAsync(segment, totalSegments, exclusiveStartKey, projection, cancellationToken) with { ConsumedUnits = unitsPerPage };

        public Task<BatchGetResult> BatchGetAsync(IReadOnlyList<ItemKey> keys, IReadOnlyList<string>? projection, CancellationToken cancellationToken) => table.BatchGetAsync(keys, projection, cancellationToken);

        public Task<IReadOnlyDictionary<string, DynamoValue>?> GetAsync(ItemKey key, CancellationToken cancellationToken) => table.GetAsync(key, cancellationToken);
    }
}
