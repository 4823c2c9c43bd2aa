using CsCheck;
using Replicator.Model;
using Replicator.Parsing;
using Replicator.Planning;
using Replicator.Tests.Fixtures;

namespace Replicator.Tests.Planning;

public sealed class PlannerTests
{
    [Fact]
    public void Plan_SeveralChangesToOneKey_CoalesceToTheLastImage_RememberingTheFirstSequenceNumber()
    {
        var batch = Events.Parse(Events.Event(
            Events.Record("INSERT", "a", 10, 1),
            Events.Record("INSERT", "b", 11, 1),
            Events.Record("MODIFY", "a", 12, 2),
            Events.Record("MODIFY", "a", 13, 3)));

        var plan = Planner.Plan(batch, TtlDeletes.Replicate);

        Assert.Equal(2, plan.Actions.Count);
        var a = plan.Actions.Single(x => x.Key.Attributes["pk"].AsString() == "a");
        Assert.Equal(WriteKind.Put, a.Kind);
        Assert.Equal("3", a.Item["v"].AsNumber());
        Assert.Equal("10", a.FirstSequenceNumber.Value);
        Assert.NotNull(a.LastRecord);
        Assert.Equal("13", a.LastRecord.SequenceNumber.Value);
        Assert.Equal(3, a.RecordCount);
        Assert.Equal(4, plan.RecordCount);
    }

    [Fact]
    public void Plan_PutThenRemove_IsADeleteOfTheKey()
    {
        var plan = Planner.Plan(Events.Parse(Events.Event(Events.Record("INSERT", "a", 1, 1), Events.Record("REMOVE", "a", 2))), TtlDeletes.Replicate);
        var action = Assert.Single(plan.Actions);
        Assert.Equal(WriteKind.Delete, action.Kind);
        Assert.Equal(["pk"], action.Item.Keys);
    }

    [Fact]
    public void Plan_SequenceNumbers_CompareAsIntegers()
    {
        // "9" sorts after "10" as text; as integers 10 is the later change.
        var plan = Planner.Plan(Events.Parse(Events.Event(Events.Record("INSERT", "a", 10, 2), Events.Record("INSERT", "a", 9, 1))), TtlDeletes.Replicate);
        var action = Assert.Single(plan.Actions);
        Assert.Equal("2", action.Item["v"].AsNumber());
        Assert.Equal("9", action.FirstSequenceNumber.Value);
    }

    [Fact]
    public void Plan_TtlDeletes_AreReplicatedByDefault_AndSkippedWhenAsked()
    {
        var batch = Events.Parse(Events.Event(Events.Record("INSERT", "a", 1, 1), Events.Record("REMOVE", "a", 2, ttl: true), Events.Record("REMOVE", "b", 3, ttl: true)));

        var replicate = Planner.Plan(batch, TtlDeletes.Replicate);
        Assert.All(replicate.Actions, action => Assert.Equal(WriteKind.Delete, action.Kind));
        Assert.Equal(0, replicate.SkippedTtlDeletes);

        var skip = Planner.Plan(batch, TtlDeletes.Skip);
        var put = Assert.Single(skip.Actions);
        Assert.Equal(WriteKind.Put, put.Kind);
        Assert.Equal(2, skip.SkippedTtlDeletes);
    }

    [Theory]
    [InlineData("KEYS_ONLY")]
    [InlineData("OLD_IMAGE")]
    public void Plan_PutsFromAStreamWithoutNewImages_AreAProblemThatSaysWhy(string viewType)
    {
        var plan = Planner.Plan(Events.Parse(Events.Event(Events.Record("INSERT", "a", 1, viewType: viewType), Events.Record("REMOVE", "b", 2, viewType: viewType))), TtlDeletes.Replicate);

        var problem = Assert.Single(plan.Problems);
        Assert.Contains($"view type is {viewType}", problem.Error, StringComparison.Ordinal);
        Assert.Contains("NEW_AND_OLD_IMAGES", problem.Error, StringComparison.Ordinal);
        Assert.False(problem.CanDeadLetter);
        Assert.Equal("1", problem.SequenceNumber?.Value);
        Assert.Equal(WriteKind.Delete, Assert.Single(plan.Actions).Kind);
    }

    [Fact]
    public void Plan_MalformedRecords_BecomeProblemsThatCanBeDeadLettered()
    {
        var bad = Events.Record("INSERT", "a", 5, 1).Replace("\"N\":\"1\"", "\"N\":\"one\"", StringComparison.Ordinal);
        var plan = Planner.Plan(Events.Parse(Events.Event(Events.Record("INSERT", "b", 4, 1), bad)), TtlDeletes.Replicate);
        var problem = Assert.Single(plan.Problems);
        Assert.True(problem.CanDeadLetter);
        Assert.Equal("5", problem.SequenceNumber?.Value);
        Assert.Equal("4", plan.FirstSequenceNumber?.Value);
    }

    /// <summary>Random changes on few keys, so that keys collide often.</summary>
    internal static readonly Gen<(string Name, int Key, int Version)[]> Changes =
        Gen.Select(Gen.Int[0, 2].Select(i => i switch { 0 => "INSERT", 1 => "MODIFY", _ => "REMOVE" }), Gen.Int[0, 4], Gen.Int[0, 1000]).Array[0, 60];

    internal static string EventOf((string Name, int Key, int Version)[] changes) =>
        Events.Event(changes.Select((c, i) => Events.Record(c.Name, $"k{c.Key}", 100 + i, c.Version)).ToArray());

    /// <summary>The reference: every record applied one by one, in stream order.</summary>
    internal static Dictionary<ItemKey, IReadOnlyDictionary<string, DynamoValue>> ApplyOneByOne(
        IEnumerable<ChangeRecord> records, Dictionary<ItemKey, IReadOnlyDictionary<string, DynamoValue>> state)
    {
        foreach (var record in records)
        {
            if (record.Kind == ChangeKind.Remove)
            {
                state.Remove(record.Key);
            }
            else
            {
                state[record.Key] = record.NewImage!;
            }
        }

        return state;
    }

    internal static void ApplyPlan(ReplicationPlan plan, Dictionary<ItemKey, IReadOnlyDictionary<string, DynamoValue>> state)
    {
        foreach (var action in plan.Actions)
        {
            if (action.Kind == WriteKind.Delete)
            {
                state.Remove(action.Key);
            }
            else
            {
                state[action.Key] = action.Item;
            }
        }
    }

    internal static bool SameState(Dictionary<ItemKey, IReadOnlyDictionary<string, DynamoValue>> a, IReadOnlyDictionary<ItemKey, IReadOnlyDictionary<string, DynamoValue>> b) =>
        a.Count == b.Count && a.All(pair => b.TryGetValue(pair.Key, out var item) && DynamoValue.MapsEqual(pair.Value, item));

    [Fact]
    public void Plan_AppliedFromAnyStartingState_EqualsApplyingTheRecordsOneByOne() =>
        Gen.Select(Changes, Changes).Sample((before, batch) =>
        {
            var start = ApplyOneByOne(Events.Parse(EventOf(before)).Records, []);
            var records = Events.Parse(EventOf(batch));
            var expected = ApplyOneByOne(records.Records, new(start));
            var actual = new Dictionary<ItemKey, IReadOnlyDictionary<string, DynamoValue>>(start);
            ApplyPlan(Planner.Plan(records, TtlDeletes.Replicate), actual);
            return SameState(expected, actual);
        }, iter: 500);

    [Fact]
    public void Plan_OneActionPerKey_CoveringEveryRecord() =>
        Changes.Sample(batch =>
        {
            var records = Events.Parse(EventOf(batch)).Records;
            var plan = Planner.Plan(new ParsedBatch(records, []), TtlDeletes.Replicate);
            return plan.Actions.Select(a => a.Key).Distinct().Count() == plan.Actions.Count
                && plan.Actions.Sum(a => a.RecordCount) == records.Count
                && plan.Actions.All(a => a.FirstSequenceNumber == records.Where(r => r.Key.Equals(a.Key)).Min(r => r.SequenceNumber));
        }, iter: 500);
}
