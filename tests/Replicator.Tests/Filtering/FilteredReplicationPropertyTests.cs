using CsCheck;
using Replicator.Filtering;
using Replicator.Model;
using Replicator.Tests.Applying;
using Replicator.Tests.Fixtures;
using Item = System.Collections.Generic.IReadOnlyDictionary<string, Replicator.Model.DynamoValue>;

namespace Replicator.Tests.Filtering;

/// <summary>
/// The one-way engine with a filter and a projection converges: for random items, random filters
/// and projections, and random sequences of puts and deletes on few keys (so items enter and
/// leave the filter often), delivered in batches of random sizes, the target ends equal to the
/// filtered, projected source, whatever it held of those keys before.
/// </summary>
public sealed class FilteredReplicationPropertyTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void Engine_WithAnySelection_LeavesTargetEqualToTheSelectedSource() =>
        Gen.Select(SelectionGen.Selection, SelectionGen.Changes, Gen.Int[1, 10], Gen.Bool).Sample((selection, changes, batchSize, staleTarget) =>
        {
            var target = new InMemoryTarget();
            if (staleTarget)
            {
                // A target that held every key unfiltered (say, before the filter was set): each key the changes touch must still come out right.
                foreach (var key in SelectionGen.Keys)
                {
                    var item = new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String(key), ["old"] = DynamoValue.True };
                    target.Items[SelectionGen.KeyOf(item)] = item;
                }
            }

            var engine = new ReplicationEngine([target], null, TestSettings.FastEngine, TimeProvider.System, new Random(7), selection);
            var source = new Dictionary<ItemKey, Item>();
            var sequence = 100;
            foreach (var batch in changes.Chunk(batchSize))
            {
                var records = batch.Select(change => Record(change.Key, change.Item, sequence++)).ToArray();
                var report = engine.ProcessAsync(Events.Parse(Events.Event(records)), DateTimeOffset.UtcNow.AddSeconds(30), Token).GetAwaiter().GetResult();
                Assert.True(report.Succeeded, string.Join("; ", report.Errors));
                foreach (var (key, item) in batch)
                {
                    var itemKey = SelectionGen.KeyOf(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String(SelectionGen.Keys[key]) });
                    if (item is null)
                    {
                        source.Remove(itemKey);
                    }
                    else
                    {
                        source[itemKey] = item;
                    }
                }
            }

            var touched = changes.Select(change => SelectionGen.Keys[change.Key]).ToHashSet();
            var expected = SelectionGen.Selected(source, selection);
            var onTarget = target.Items.Where(pair => touched.Contains(pair.Key.Attributes["pk"].AsString())).ToDictionary();
            return SelectionGen.Same(expected, onTarget);
        }, iter: 300, threads: 1, print: t => $"{t.Item1}; {t.Item2.Length} changes in batches of {t.Item3}; stale target {t.Item4}");

    [Fact]
    public async Task Engine_PutThatStopsMatching_DeletesTheTargetCopy()
    {
        var target = new InMemoryTarget();
        var selection = new ItemSelection(FilterParser.Parse("status = \"active\""), null);
        var engine = new ReplicationEngine([target], null, TestSettings.FastEngine, TimeProvider.System, new Random(7), selection);
        await engine.ProcessAsync(Events.Parse(Events.Event(Record(0, Status("active"), 1))), DateTimeOffset.UtcNow.AddSeconds(30), Token);
        Assert.Single(target.Items);

        var report = await engine.ProcessAsync(Events.Parse(Events.Event(Record(0, Status("inactive"), 2))), DateTimeOffset.UtcNow.AddSeconds(30), Token);

        Assert.True(report.Succeeded);
        Assert.Equal(1, report.RecordsApplied);
        Assert.Empty(target.Items);
    }

    [Fact]
    public async Task Engine_WithoutSelection_WritesTheStreamImageAsItCame()
    {
        var target = new InMemoryTarget();
        var engine = new ReplicationEngine([target], null, TestSettings.FastEngine, TimeProvider.System, new Random(7));

        await engine.ProcessAsync(Events.Parse(Events.Event(Record(0, Status("active"), 1))), DateTimeOffset.UtcNow.AddSeconds(30), Token);

        // No filter: the planner's image goes to the writer untouched, still the stream's bytes.
        Assert.IsType<RawImage>(Assert.Single(target.Items).Value);
    }

    [Fact]
    public async Task Engine_FilterOnly_WritesAMatchingImageAsItsBytes()
    {
        var target = new InMemoryTarget();
        var engine = new ReplicationEngine([target], null, TestSettings.FastEngine, TimeProvider.System, new Random(7), new ItemSelection(FilterParser.Parse("begins_with(pk, \"eu\")"), null));

        await engine.ProcessAsync(Events.Parse(Events.Event(Record(0, Status("active"), 1))), DateTimeOffset.UtcNow.AddSeconds(30), Token);

        Assert.IsType<RawImage>(Assert.Single(target.Items).Value);
    }

    private static Item Status(string status) => new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String(SelectionGen.Keys[0]), ["status"] = DynamoValue.String(status) };

    /// <summary>A stream record of a put (INSERT or MODIFY alike, for one-way) or, for a null item, a REMOVE.</summary>
    private static string Record(int key, Item? item, int sequenceNumber)
    {
        var keys = $$$"""{"pk":{"S":"{{{SelectionGen.Keys[key]}}}"}}""";
        var name = item is null ? "REMOVE" : "MODIFY";
        var image = item is null ? "" : $",\"NewImage\":{DynamoJson.ToJson(item)}";
        return $$$"""{"eventID":"e{{{sequenceNumber}}}","eventName":"{{{name}}}","eventSource":"aws:dynamodb","awsRegion":"us-east-1","dynamodb":{"ApproximateCreationDateTime":1700000000,"Keys":{{{keys}}}{{{image}}},"SequenceNumber":"{{{sequenceNumber}}}","SizeBytes":40,"StreamViewType":"NEW_AND_OLD_IMAGES"}}""";
    }
}
