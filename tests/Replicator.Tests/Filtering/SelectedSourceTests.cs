using System.Collections.Concurrent;
using CsCheck;
using Replicator.Backfill;
using Replicator.Filtering;
using Replicator.Model;
using Replicator.Redrive;
using Replicator.Tests.Backfill;
using Replicator.Tests.Fixtures;
using Replicator.Tests.Redrive;
using Replicator.Tests.Streams;
using Replicator.Tests.Verification;
using Replicator.Verification;
using Item = System.Collections.Generic.IReadOnlyDictionary<string, Replicator.Model.DynamoValue>;

namespace Replicator.Tests.Filtering;

/// <summary>
/// Backfill, verify and redrive read the source through <see cref="SelectedTableReader"/>, and so
/// copy, compare and repair what replicate writes: the items the filter matches, projected.
/// </summary>
public sealed class SelectedSourceTests
{
    private static readonly KeyAttribute PartitionKey = new("pk", "S", IsPartitionKey: true);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static InMemoryTable Table(string region) => new(region, "users", PartitionKey) { PageSize = 2 };

    private static Gen<Item?> MaybeItem(int key) => Gen.Select(Gen.Bool, SelectionGen.Item(key), (there, item) => there ? item : null);

    /// <summary>A table's items: each of the four keys there or not.</summary>
    private static readonly Gen<Item?[]> Tables =
        Gen.Select(MaybeItem(0), MaybeItem(1), MaybeItem(2), MaybeItem(3), (a, b, c, d) => new[] { a, b, c, d });

    /// <summary>
    /// Whatever a target holds (a copy under another selection, other items, nothing), verify
    /// --repair under a selection leaves it equal to the selected source, and a verify after that
    /// finds it identical: how a changed filter is brought in line.
    /// </summary>
    [Fact]
    public void VerifyRepair_UnderAnySelection_BringsAnyTargetInLine_ThenVerifiesIdentical() =>
        Gen.Select(Tables, Tables, SelectionGen.Selection, SelectionGen.Selection, Gen.Bool).Sample((sourceItems, otherItems, before, after, copied) =>
        {
            var (source, target) = (Table("us-east-1"), Table("us-west-2"));
            foreach (var item in sourceItems.OfType<Item>())
            {
                source.Put(item);
            }

            // The target: what replicate made under the old selection, or unrelated items.
            var start = copied ? SelectionGen.Selected(source.Items, before) : otherItems.OfType<Item>().ToDictionary(SelectionGen.KeyOf);
            foreach (var item in start.Values)
            {
                target.Put(item);
            }

            var settings = new VerifySettings { Segments = 2, Settle = TimeSpan.Zero, Repair = true };
            var repaired = Verify(source, target, after, settings);
            var again = Verify(source, target, after, settings with { Repair = false });

            return repaired.Succeeded && again.Identical && SelectionGen.Same(SelectionGen.Selected(source.Items, after), target.Items);
        }, iter: 150, threads: 1);

    [Fact]
    public void Verify_TargetOfTheSelectedSource_IsIdentical_AndAnExtraOrAStrayAttributeIsADifference()
    {
        var (source, target) = (Table("us-east-1"), Table("us-west-2"));
        var selection = new ItemSelection(FilterParser.Parse("begins_with(pk, \"eu#\")"), AttributeProjection.Exclude(["secret"]));
        source.Put(Item("eu#1", ("secret", "s"), ("name", "a")));
        source.Put(Item("us#2", ("name", "b")));
        target.Put(Item("eu#1", ("name", "a")));

        Assert.True(Verify(source, target, selection, new VerifySettings { Settle = TimeSpan.Zero }).Identical);

        target.Put(Item("us#2", ("name", "b")));
        target.Put(Item("eu#1", ("name", "a"), ("secret", "s")));
        var report = Verify(source, target, selection, new VerifySettings { Settle = TimeSpan.Zero });
        Assert.Equal(2, report.Differences);
    }

    [Fact]
    public async Task Backfill_CopiesOnlyMatchingItems_Projected()
    {
        var directory = Directory.CreateTempSubdirectory("filter-backfill-").FullName;
        try
        {
            var (source, target) = (Table("us-east-1"), Table("us-west-2"));
            source.Put(Item("eu#1", ("status", "active"), ("secret", "s")));
            source.Put(Item("eu#2", ("status", "inactive")));
            source.Put(Item("us#3", ("status", "active")));
            var selection = new ItemSelection(FilterParser.Parse("status = \"active\""), AttributeProjection.Include(["status"]));
            var streams = new FakeStreamsApi();
            streams.AddShard();
            var backfiller = new Backfiller(new SelectedTableReader(source, selection), [target], streams, TimeProvider.System, new Random(7), _ => { });

            await backfiller.RunAsync(new BackfillRequest(source.Table, [target.Table], 2, Path.Combine(directory, "checkpoint.json")), FakeStreamsApi.Arn, Token);

            Assert.True(SelectionGen.Same(
                new Dictionary<ItemKey, Item> { [Key("eu#1")] = Item("eu#1", ("status", "active")), [Key("us#3")] = Item("us#3", ("status", "active")) },
                target.Items));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Redrive_WritesTheCurrentItemProjectedIfItMatches_AndDeletesItOnTheTargetIfNot()
    {
        var (source, target) = (Table("us-east-1"), Table("us-west-2"));
        source.Put(Item("eu#1", ("status", "active"), ("secret", "s")));
        source.Put(Item("eu#2", ("status", "inactive")));
        target.Put(Item("eu#2", ("status", "active")));
        var queue = new InMemoryLetterQueue();
        queue.Send(Letters.Dead("us-west-2:users", "eu#1", 501));
        queue.Send(Letters.Dead("us-west-2:users", "eu#2", 502));
        var selection = new ItemSelection(FilterParser.Parse("status = \"active\""), AttributeProjection.Exclude(["secret"]));
        var settings = new RedriveSettings { Source = source.Table, BaseRetryDelay = TimeSpan.FromMilliseconds(1), MaxRetryDelay = TimeSpan.FromMilliseconds(5) };

        var report = await new Redriver(queue, new SelectedTableReader(source, selection), [target], new FakeStreamsApi(), settings, TimeProvider.System, new Random(1)).RunAsync(Token);

        Assert.True(report.Succeeded);
        Assert.True(SelectionGen.Same(new Dictionary<ItemKey, Item> { [Key("eu#1")] = Item("eu#1", ("status", "active")) }, target.Items));
        Assert.Equal((1L, 1L), (report.Targets[0].Written, report.Targets[0].Deleted));
    }

    private static VerifyReport Verify(InMemoryTable source, InMemoryTable target, ItemSelection selection, VerifySettings settings) =>
        new TableVerifier(new SelectedTableReader(source, selection), [new VerifyTarget(target, target)], settings, new SkippingClock(), new Random(7))
            .RunAsync(Token).GetAwaiter().GetResult();

    private static ItemKey Key(string pk) => new(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String(pk) });

    private static Dictionary<string, DynamoValue> Item(string pk, params (string Name, string Value)[] attributes)
    {
        var item = new Dictionary<string, DynamoValue>(StringComparer.Ordinal) { ["pk"] = DynamoValue.String(pk) };
        foreach (var (name, value) in attributes)
        {
            item[name] = DynamoValue.String(value);
        }

        return item;
    }
}
