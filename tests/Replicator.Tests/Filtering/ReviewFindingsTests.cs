using Replicator.Filtering;
using Replicator.Model;
using Replicator.Tests.Applying;
using Replicator.Tests.Fixtures;

namespace Replicator.Tests.Filtering;

/// <summary>Defects found in review of filtering and projection, each pinned by a test.</summary>
public sealed class ReviewFindingsTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>
    /// An attribute named like a keyword (and, or, not) is written in backticks; a filter that
    /// prints it bare (in error messages, filter-criteria's refusal, logs) does not parse back.
    /// </summary>
    [Theory]
    [InlineData("`not` = \"x\"")]
    [InlineData("`and` = \"x\"")]
    [InlineData("`or` = \"x\" or `not`.`and` = true")]
    [InlineData("begins_with(`or`, \"p\")")]
    public void ToString_OfAKeywordAttributeName_ParsesBackToTheSameFilter(string text)
    {
        var filter = FilterParser.Parse(text);

        Assert.Equal(filter, FilterParser.Parse(filter.ToString()!));
    }

    /// <summary>The key attributes, a sort key too, survive an include list that names neither.</summary>
    [Fact]
    public void Include_KeepsPartitionAndSortKey()
    {
        var key = new ItemKey(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String("a"), ["sk"] = DynamoValue.Number("1") });
        var item = new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String("a"), ["sk"] = DynamoValue.Number("1"), ["x"] = DynamoValue.True, ["y"] = DynamoValue.False };

        var kept = AttributeProjection.Include(["x"]).Apply(item, key);

        Assert.Equal(["pk", "sk", "x"], kept.Keys.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// An INSERT whose new image the filter rejects: the item did not exist before the record, so
    /// no target can hold a copy of it, and a delete is a wasted write (a WCU on every target for
    /// every record outside the filter: for a filter selecting 1% of the writes, 99 deletes per copy).
    /// </summary>
    [Fact]
    public async Task Engine_InsertOutsideTheFilter_WritesNothingToTheTarget()
    {
        var target = new InMemoryTarget();
        var selection = new ItemSelection(FilterParser.Parse("status = \"active\""), null);
        var engine = new ReplicationEngine([target], null, TestSettings.FastEngine, TimeProvider.System, new Random(7), selection);

        var report = await engine.ProcessAsync(Events.Parse(Events.Event(Insert("eu#0", "inactive", 1))), DateTimeOffset.UtcNow.AddSeconds(30), Token);

        Assert.True(report.Succeeded);
        Assert.Equal(0, target.BatchRequests + target.SingleRequests);
    }

    /// <summary>A REMOVE then an INSERT outside the filter in one batch must still delete the old copy.</summary>
    [Fact]
    public async Task Engine_RemoveThenInsertOutsideTheFilter_DeletesTheCopy()
    {
        var target = new InMemoryTarget();
        var selection = new ItemSelection(FilterParser.Parse("status = \"active\""), null);
        var engine = new ReplicationEngine([target], null, TestSettings.FastEngine, TimeProvider.System, new Random(7), selection);
        await engine.ProcessAsync(Events.Parse(Events.Event(Insert("eu#0", "active", 1))), DateTimeOffset.UtcNow.AddSeconds(30), Token);
        Assert.Single(target.Items);

        var report = await engine.ProcessAsync(Events.Parse(Events.Event(Remove("eu#0", 2), Insert("eu#0", "inactive", 3))), DateTimeOffset.UtcNow.AddSeconds(30), Token);

        Assert.True(report.Succeeded);
        Assert.Empty(target.Items);
    }

    private static string Insert(string pk, string status, int sequenceNumber) =>
        $$$"""{"eventID":"e{{{sequenceNumber}}}","eventName":"INSERT","eventSource":"aws:dynamodb","awsRegion":"us-east-1","dynamodb":{"ApproximateCreationDateTime":1700000000,"Keys":{"pk":{"S":"{{{pk}}}"}},"NewImage":{"pk":{"S":"{{{pk}}}"},"status":{"S":"{{{status}}}"}},"SequenceNumber":"{{{sequenceNumber}}}","SizeBytes":40,"StreamViewType":"NEW_AND_OLD_IMAGES"}}""";

    private static string Remove(string pk, int sequenceNumber) =>
        $$$"""{"eventID":"e{{{sequenceNumber}}}","eventName":"REMOVE","eventSource":"aws:dynamodb","awsRegion":"us-east-1","dynamodb":{"ApproximateCreationDateTime":1700000000,"Keys":{"pk":{"S":"{{{pk}}}"}},"OldImage":{"pk":{"S":"{{{pk}}}"},"status":{"S":"active"}},"SequenceNumber":"{{{sequenceNumber}}}","SizeBytes":40,"StreamViewType":"NEW_AND_OLD_IMAGES"}}""";
}

/// <summary>
/// Backfill under a selective filter: its copy-rate warning measures items copied against the
/// table's whole item count, so a scan that will end in minutes is said to take more than a day.
/// </summary>
public sealed class ReviewBackfillRateTests
{
    private static readonly Replicator.Verification.KeyAttribute PartitionKey = new("pk", "S", IsPartitionKey: true);

    [Fact]
    public async Task Backfill_WithASelectiveFilter_DoesNotWarnThatAFastScanOutlivesTheStream()
    {
        var directory = Directory.CreateTempSubdirectory("review-backfill-").FullName;
        try
        {
            var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
            var source = new Verification.InMemoryTable("us-east-1", "users", PartitionKey) { PageSize = 100 };
            var target = new Verification.InMemoryTable("us-west-2", "users", PartitionKey);
            for (var i = 0; i < 4000; i++)
            {
                // One item in a hundred is selected.
                source.Put(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String($"k{i:D5}"), ["status"] = DynamoValue.String(i % 100 == 0 ? "active" : "inactive") });
            }

            // A scan of 100 items a second: the 100,000 items DescribeTable counts take 17 minutes.
            var hooked = new Backfill.HookedReader(source) { BeforeScan = (_, _, _) => { clock.Advance(TimeSpan.FromSeconds(1)); return Task.CompletedTask; } };
            var reader = new SelectedTableReader(new CountedAs(hooked, 100_000), new ItemSelection(FilterParser.Parse("status = \"active\""), null));
            var streams = new Streams.FakeStreamsApi();
            streams.AddShard();
            var log = new List<string>();
            var backfiller = new Replicator.Backfill.Backfiller(reader, [target], streams, clock, new Random(7), line => { lock (log) { log.Add(line); } });

            await backfiller.RunAsync(new Replicator.Backfill.BackfillRequest(source.Table, [target.Table], 1, Path.Combine(directory, "checkpoint.json")), Streams.FakeStreamsApi.Arn, TestContext.Current.CancellationToken);

            Assert.Equal(40, target.Items.Count);
            Assert.DoesNotContain(log, line => line.StartsWith("WARNING", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// A backfill interrupted under one filter and resumed under another: the checkpoint does not
    /// record the selection, so the target ends with the first pages copied under the old filter
    /// and the rest under the new one, and nothing says so. It should refuse the resume, as it
    /// refuses one with other tables or segments.
    /// </summary>
    [Fact]
    public async Task Backfill_ResumedUnderAnotherFilter_IsRefused()
    {
        var directory = Directory.CreateTempSubdirectory("review-backfill-").FullName;
        try
        {
            var source = new Verification.InMemoryTable("us-east-1", "users", PartitionKey) { PageSize = 2 };
            var target = new Verification.InMemoryTable("us-west-2", "users", PartitionKey);
            for (var i = 0; i < 10; i++)
            {
                source.Put(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String($"k{i}"), ["status"] = DynamoValue.String(i % 2 == 0 ? "active" : "inactive") });
            }

            var streams = new Streams.FakeStreamsApi();
            streams.AddShard();
            var request = new Replicator.Backfill.BackfillRequest(source.Table, [target.Table], 1, Path.Combine(directory, "checkpoint.json"));
            var hooked = new Backfill.HookedReader(source) { BeforeScan = (_, call, _) => call == 3 ? throw new InvalidOperationException("interrupted") : Task.CompletedTask };
            var first = new Replicator.Backfill.Backfiller(new SelectedTableReader(hooked, new ItemSelection(FilterParser.Parse("status = \"active\""), null)), [target], streams, TimeProvider.System, new Random(7), _ => { });
            await Assert.ThrowsAnyAsync<Exception>(() => first.RunAsync(request, Streams.FakeStreamsApi.Arn, TestContext.Current.CancellationToken));

            var resumed = new Replicator.Backfill.Backfiller(new SelectedTableReader(source, new ItemSelection(FilterParser.Parse("status = \"inactive\""), null)), [target], streams, TimeProvider.System, new Random(7), _ => { });

            await Assert.ThrowsAsync<Replicator.Streams.CheckpointException>(() => resumed.RunAsync(request, Streams.FakeStreamsApi.Arn, TestContext.Current.CancellationToken));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A reader whose DescribeTable counts more items than the test puts in it.</summary>
    private sealed class CountedAs(Replicator.Verification.ITableReader inner, long count) : Replicator.Verification.ITableReader
    {
        public Replicator.Applying.TargetTable Table => inner.Table;

        public async Task<Replicator.Verification.TableShape?> DescribeAsync(CancellationToken cancellationToken) =>
            await inner.DescribeAsync(cancellationToken) is { } shape ? shape with { ApproximateItemCount = count } : null;

        public Task<Replicator.Verification.ScanPage> ScanAsync(int segment, int totalSegments, IReadOnlyDictionary<string, DynamoValue>? exclusiveStartKey, IReadOnlyList<string>? projection, CancellationToken cancellationToken) =>
            inner.ScanAsync(segment, totalSegments, exclusiveStartKey, projection, cancellationToken);

        public Task<Replicator.Verification.BatchGetResult> BatchGetAsync(IReadOnlyList<ItemKey> keys, IReadOnlyList<string>? projection, CancellationToken cancellationToken) =>
            inner.BatchGetAsync(keys, projection, cancellationToken);

        public Task<IReadOnlyDictionary<string, DynamoValue>?> GetAsync(ItemKey key, CancellationToken cancellationToken) => inner.GetAsync(key, cancellationToken);
    }
}
