using Replicator.Applying;
using Replicator.Model;
using Replicator.MultiActive;
using Item = System.Collections.Generic.IReadOnlyDictionary<string, Replicator.Model.DynamoValue>;

namespace Replicator.Tests.Contracts;

/// <summary>
/// What multi-active replication relies on from <see cref="IRegionTables"/>: conditions evaluated
/// as DynamoDB evaluates them (and as <see cref="Condition.IsMetBy"/> states them), a failed
/// condition answering with the item as it stands, transactions all or nothing naming the writes
/// whose conditions failed, strongly consistent reads, refusals returned. Run against the
/// in-memory region (unit tests) and against <c>DynamoDbRegionTables</c> on moto (integration
/// tests), so the fake the convergence tests run on cannot drift from DynamoDB.
/// </summary>
public abstract class RegionTablesContract
{
    private const string UserKey = "pk";
    private static readonly DateTimeOffset Second = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The region's tables under test.</summary>
    protected abstract IRegionTables Tables { get; }

    /// <summary>A new, empty table of <see cref="Tables"/> whose partition key is <paramref name="keyAttribute"/> (S); returns its name.</summary>
    protected abstract Task<string> CreateTableAsync(string keyAttribute);

    /// <summary>The name of a table that does not exist.</summary>
    protected abstract string MissingTable();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static ItemVersion Version(string region, long sequence, ItemVersion? predecessor = null, double seconds = 0) =>
        ItemVersion.Next(Second.AddSeconds(seconds), predecessor, region, SequenceNumber.Parse($"{sequence}"));

    private static readonly ItemVersion Earlier = Version("us-east-1", 7);
    private static readonly ItemVersion Held = Version("us-east-1", 8, Earlier);
    private static readonly ItemVersion Later = Version("us-east-1", 9, Held);

    private static ItemKey Key(string pk, string attribute = UserKey) => new(new Dictionary<string, DynamoValue> { [attribute] = DynamoValue.String(pk) });

    private static Dictionary<string, DynamoValue> Item(string pk, params (string Name, DynamoValue Value)[] attributes)
    {
        var item = new Dictionary<string, DynamoValue>(StringComparer.Ordinal) { [UserKey] = DynamoValue.String(pk) };
        foreach (var (name, value) in attributes)
        {
            item[name] = value;
        }

        return item;
    }

    private static DynamoValue Map(params (string Name, DynamoValue Value)[] fields) =>
        DynamoValue.Map(fields.ToDictionary(field => field.Name, field => field.Value, StringComparer.Ordinal));

    private static DynamoValue S(string text) => DynamoValue.String(text);

    private static DynamoValue N(string number) => DynamoValue.Number(number);

    private static AttributePath P(string attribute, string? field = null) => new(attribute, field);

    /// <summary>The item every condition case is evaluated against: a string, a number, and a map holding a version and a number.</summary>
    private static Dictionary<string, DynamoValue> Subject() =>
        Item("a", ("s", S("beta")), ("n", N("3")), ("m", Map(("v", S(Held.Text)), ("n", N("5")))));

    private static readonly Dictionary<string, (Condition Condition, bool Met)> Cases = new(StringComparer.Ordinal)
    {
        ["Exists attribute present"] = (Condition.Exists(P("s")), true),
        ["Exists attribute absent"] = (Condition.Exists(P("x")), false),
        ["Missing attribute absent"] = (Condition.Missing(P("x")), true),
        ["Missing attribute present"] = (Condition.Missing(P("s")), false),
        ["Equal same string"] = (Condition.Equal(P("s"), S("beta")), true),
        ["Equal other string"] = (Condition.Equal(P("s"), S("alpha")), false),
        ["Equal same number"] = (Condition.Equal(P("n"), N("3")), true),
        ["Equal number to its text (wrong type)"] = (Condition.Equal(P("n"), S("3")), false),
        ["Equal attribute absent"] = (Condition.Equal(P("x"), S("beta")), false),
        ["Less than a greater string"] = (Condition.Less(P("s"), S("gamma")), true),
        ["Less than a smaller string"] = (Condition.Less(P("s"), S("alpha")), false),
        ["Less than itself"] = (Condition.Less(P("s"), S("beta")), false),
        ["Less orders bytes: upper case first"] = (Condition.Less(P("s"), S("Zeta")), false),
        ["LessOrEqual itself"] = (Condition.LessOrEqual(P("s"), S("beta")), true),
        ["LessOrEqual a smaller string"] = (Condition.LessOrEqual(P("s"), S("alpha")), false),
        ["Less attribute absent"] = (Condition.Less(P("x"), S("zzz")), false),
        ["Less number than string (wrong type)"] = (Condition.Less(P("n"), S("9")), false),
        ["Less map than string (wrong type)"] = (Condition.Less(P("m"), S("zzz")), false),
        ["LessOrEqual number than string (wrong type)"] = (Condition.LessOrEqual(P("n"), S("9")), false),
        ["Exists field present"] = (Condition.Exists(P("m", "v")), true),
        ["Exists field absent"] = (Condition.Exists(P("m", "q")), false),
        ["Exists field of absent map"] = (Condition.Exists(P("x", "v")), false),
        ["Exists field of a string"] = (Condition.Exists(P("s", "v")), false),
        ["Missing field absent"] = (Condition.Missing(P("m", "q")), true),
        ["Missing field present"] = (Condition.Missing(P("m", "v")), false),
        ["Missing field of absent map"] = (Condition.Missing(P("x", "v")), true),
        ["Missing field of a string"] = (Condition.Missing(P("s", "v")), true),
        ["Equal field same version"] = (Condition.Equal(P("m", "v"), S(Held.Text)), true),
        ["Equal field other version"] = (Condition.Equal(P("m", "v"), S(Later.Text)), false),
        ["Equal field absent"] = (Condition.Equal(P("m", "q"), S(Held.Text)), false),
        ["Less field than later version"] = (Condition.Less(P("m", "v"), S(Later.Text)), true),
        ["Less field than earlier version"] = (Condition.Less(P("m", "v"), S(Earlier.Text)), false),
        ["Less field than its own version"] = (Condition.Less(P("m", "v"), S(Held.Text)), false),
        ["LessOrEqual field its own version"] = (Condition.LessOrEqual(P("m", "v"), S(Held.Text)), true),
        ["LessOrEqual field earlier version"] = (Condition.LessOrEqual(P("m", "v"), S(Earlier.Text)), false),
        ["Less field absent"] = (Condition.Less(P("m", "q"), S(Later.Text)), false),
        ["Less field of absent map"] = (Condition.Less(P("x", "v"), S(Later.Text)), false),
        ["Less field of a string"] = (Condition.Less(P("s", "v"), S(Later.Text)), false),
        ["Less number field than string (wrong type)"] = (Condition.Less(P("m", "n"), S("9")), false),
        ["And both met"] = (Condition.Exists(P("s")).And(Condition.Missing(P("x"))), true),
        ["And one unmet"] = (Condition.Exists(P("s")).And(Condition.Exists(P("x"))), false),
        ["Or one met"] = (Condition.Exists(P("x")).Or(Condition.Exists(P("s"))), true),
        ["Or neither met"] = (Condition.Exists(P("x")).Or(Condition.Missing(P("s"))), false),
        // Wrongly grouped, (x AND s) OR n would be met: the tree's grouping must be the expression's.
        ["And of an Or keeps its grouping"] = (Condition.Exists(P("x")).And(Condition.Exists(P("s")).Or(Condition.Exists(P("n")))), false),
        // Wrongly grouped, s OR (n AND x) would be met.
        ["Or under an And keeps its grouping"] = (Condition.Exists(P("s")).Or(Condition.Exists(P("n"))).And(Condition.Exists(P("x"))), false),
        ["No version or an older one: newer write"] = (Condition.Missing(P("m", "v")).Or(Condition.Less(P("m", "v"), S(Later.Text))), true),
        ["No version or an older one: stale write"] = (Condition.Missing(P("m", "v")).Or(Condition.Less(P("m", "v"), S(Earlier.Text))), false),
    };

    public static TheoryData<string> ConditionCases => [.. Cases.Keys];

    private async Task<string> UserTableAsync(params Item[] items)
    {
        var table = await CreateTableAsync(UserKey);
        foreach (var item in items)
        {
            Assert.IsType<TableWriteOutcome.Written>(await Tables.WriteAsync(new TableWrite.Put(table, Key(item[UserKey].AsString()), item, null), Token));
        }

        return table;
    }

    private async Task<Item?> ReadAsync(string table, ItemKey key)
    {
        var read = Assert.IsType<TableReadOutcome.Read>(await Tables.ReadAsync(table, [key], Token));
        return read.Items.GetValueOrDefault(key);
    }

    private static void Same(Item expected, Item? actual) =>
        Assert.True(actual is not null && DynamoValue.MapsEqual(expected, actual), $"expected {DynamoJson.ToJson(expected)}, got {(actual is null ? "none" : DynamoJson.ToJson(actual))}");

    [Theory]
    [MemberData(nameof(ConditionCases))]
    public async Task Condition_OnAPutAndOnACheck_IsEvaluatedAsDynamoDbDoes(string name)
    {
        var (condition, met) = Cases[name];
        var subject = Subject();
        Assert.Equal(met, condition.IsMetBy(subject)); // The reference semantics agree with the case.
        var table = await UserTableAsync(subject);

        var put = await Tables.WriteAsync(new TableWrite.Put(table, Key("a"), subject, condition), Token);
        var check = await Tables.TransactAsync([new TableWrite.Check(table, Key("a"), condition)], Token);

        if (met)
        {
            Assert.IsType<TableWriteOutcome.Written>(put);
            Assert.IsType<TransactionOutcome.Written>(check);
        }
        else
        {
            Same(subject, Assert.IsType<TableWriteOutcome.ConditionFailed>(put).Current);
            Assert.Equal([0], Assert.IsType<TransactionOutcome.Cancelled>(check).FailedConditions);
        }
    }

    [Fact]
    public async Task Condition_OnAttributesNamedLikeReservedWordsOrPaths_NamesThoseAttributes()
    {
        // The metadata attribute's name is the user's choice: a reserved word, a dot or a dash in it are names, not syntax.
        var item = Item("a", ("size", Map(("v", S(Held.Text)))), ("a.b", S("x")), ("my-meta", Map(("v", S(Held.Text)))));
        var table = await UserTableAsync(item);
        var condition = Condition.Equal(P("a.b"), S("x"))
            .And(Condition.Less(P("size", "v"), S(Later.Text)))
            .And(Condition.Exists(P("my-meta", "v")))
            .And(Condition.Missing(P("a")));

        Assert.IsType<TableWriteOutcome.Written>(await Tables.WriteAsync(new TableWrite.Set(table, Key("a"), "my-meta", Map(("v", S(Later.Text))), condition), Token));
        Assert.Equal(S(Later.Text), (await ReadAsync(table, Key("a")))?["my-meta"].AsMap()["v"]);
    }

    [Fact]
    public async Task Less_OnVersionsOfOneSecondAndRegion_OrdersByCounter()
    {
        var first = Version("us-east-1", 20);
        var second = Version("us-east-1", 21, first, seconds: 0.9);
        Assert.Equal(first.UnixSeconds, second.UnixSeconds);
        Assert.True(first.Counter < second.Counter);

        await AssertOrderedAsync(first, second);
    }

    [Fact]
    public async Task Less_OnVersionsOfOneSecondAndCounter_OrdersByRegion_WhateverTheirSequenceNumbers()
    {
        var europe = Version("eu-west-1", 9_000_000);
        var america = Version("us-east-1", 9);

        await AssertOrderedAsync(europe, america);
    }

    [Fact]
    public async Task Less_OnVersionsOfOneSecondCounterAndRegion_OrdersBySequenceNumberAsANumber()
    {
        // 9 < 10 as numbers, not as text: the padding makes them one.
        await AssertOrderedAsync(Version("us-east-1", 9), Version("us-east-1", 10));
    }

    /// <summary>The table orders <paramref name="earlier"/> before <paramref name="later"/>, as <see cref="ItemVersion"/> does, in a map field, both ways.</summary>
    private async Task AssertOrderedAsync(ItemVersion earlier, ItemVersion later)
    {
        Assert.True(earlier.CompareTo(later) < 0, $"{earlier.Text} is not before {later.Text}");
        var table = await UserTableAsync(Item("early", ("m", Map(("v", S(earlier.Text))))), Item("late", ("m", Map(("v", S(later.Text))))));

        var newer = await Tables.WriteAsync(new TableWrite.Set(table, Key("early"), "seen", S("yes"), Condition.Less(P("m", "v"), S(later.Text))), Token);
        var older = await Tables.WriteAsync(new TableWrite.Set(table, Key("late"), "seen", S("yes"), Condition.Less(P("m", "v"), S(earlier.Text))), Token);

        Assert.IsType<TableWriteOutcome.Written>(newer);
        Assert.IsType<TableWriteOutcome.ConditionFailed>(older);
    }

    [Fact]
    public async Task Set_ConditionMet_SetsTheAttribute_KeepsTheOthers_AnswersTheItemAfter()
    {
        var table = await UserTableAsync(Item("a", ("data", S("x")), ("m", Map(("v", S(Held.Text))))));
        var metadata = Map(("v", S(Later.Text)), ("in", S("us-east-1")));

        var outcome = await Tables.WriteAsync(new TableWrite.Set(table, Key("a"), "m", metadata, Condition.Exists(P(UserKey)).And(Condition.Equal(P("m", "v"), S(Held.Text)))), Token);

        var expected = Item("a", ("data", S("x")), ("m", metadata));
        Same(expected, Assert.IsType<TableWriteOutcome.Written>(outcome).After);
        Same(expected, await ReadAsync(table, Key("a")));
    }

    [Fact]
    public async Task Set_ExistsConditionOnAMissingItem_FailsWithNoCurrentItem_AndCreatesNothing()
    {
        var table = await UserTableAsync();

        var outcome = await Tables.WriteAsync(new TableWrite.Set(table, Key("a"), "m", Map(("v", S(Later.Text))), Condition.Exists(P(UserKey))), Token);

        Assert.Null(Assert.IsType<TableWriteOutcome.ConditionFailed>(outcome).Current);
        Assert.Null(await ReadAsync(table, Key("a")));
    }

    [Fact]
    public async Task Set_ConditionUnmetOnAPresentItem_AnswersTheItemAsItStands_Unchanged()
    {
        var item = Item("a", ("data", S("x")), ("m", Map(("v", S(Later.Text)))));
        var table = await UserTableAsync(item);

        var outcome = await Tables.WriteAsync(new TableWrite.Set(table, Key("a"), "m", Map(("v", S(Held.Text))), Condition.Less(P("m", "v"), S(Held.Text))), Token);

        Same(item, Assert.IsType<TableWriteOutcome.ConditionFailed>(outcome).Current);
        Same(item, await ReadAsync(table, Key("a")));
    }

    [Fact]
    public async Task Set_WithoutConditionOnAMissingItem_CreatesTheKeyAndTheAttribute()
    {
        var table = await UserTableAsync();

        var outcome = await Tables.WriteAsync(new TableWrite.Set(table, Key("a"), "m", S("x"), null), Token);

        Same(Item("a", ("m", S("x"))), Assert.IsType<TableWriteOutcome.Written>(outcome).After);
        Same(Item("a", ("m", S("x"))), await ReadAsync(table, Key("a")));
    }

    [Fact]
    public async Task Put_IfAbsent_WritesOnce_ThenFailsAnsweringTheFirstItem()
    {
        var table = await UserTableAsync();
        var first = Item("a", ("data", S("first")));
        var second = Item("a", ("data", S("second")));

        var written = await Tables.WriteAsync(new TableWrite.Put(table, Key("a"), first, Condition.Missing(P(UserKey))), Token);
        var refused = await Tables.WriteAsync(new TableWrite.Put(table, Key("a"), second, Condition.Missing(P(UserKey))), Token);

        Assert.Null(Assert.IsType<TableWriteOutcome.Written>(written).After);
        Same(first, Assert.IsType<TableWriteOutcome.ConditionFailed>(refused).Current);
        Same(first, await ReadAsync(table, Key("a")));
    }

    [Fact]
    public async Task Put_ConditionOnAMissingItemUnmet_FailsWithNoCurrentItem_AndCreatesNothing()
    {
        var table = await UserTableAsync();

        var outcome = await Tables.WriteAsync(new TableWrite.Put(table, Key("a"), Item("a"), Condition.Equal(P("m", "v"), S(Held.Text))), Token);

        Assert.Null(Assert.IsType<TableWriteOutcome.ConditionFailed>(outcome).Current);
        Assert.Null(await ReadAsync(table, Key("a")));
    }

    [Fact]
    public async Task Delete_ConditionMet_RemovesTheItem()
    {
        var table = await UserTableAsync(Item("a", ("m", Map(("v", S(Held.Text))))));

        var outcome = await Tables.WriteAsync(new TableWrite.Delete(table, Key("a"), Condition.Equal(P("m", "v"), S(Held.Text))), Token);

        Assert.Null(Assert.IsType<TableWriteOutcome.Written>(outcome).After);
        Assert.Null(await ReadAsync(table, Key("a")));
    }

    [Fact]
    public async Task Delete_ConditionUnmet_LeavesTheItem_AnswersItAsItStands()
    {
        var item = Item("a", ("m", Map(("v", S(Later.Text)))));
        var table = await UserTableAsync(item);

        var outcome = await Tables.WriteAsync(new TableWrite.Delete(table, Key("a"), Condition.Equal(P("m", "v"), S(Held.Text))), Token);

        Same(item, Assert.IsType<TableWriteOutcome.ConditionFailed>(outcome).Current);
        Same(item, await ReadAsync(table, Key("a")));
    }

    [Fact]
    public async Task Delete_OfAMissingItem_WithoutCondition_IsWritten_WithAnExistsCondition_FailsWithNoCurrentItem()
    {
        var table = await UserTableAsync();

        Assert.IsType<TableWriteOutcome.Written>(await Tables.WriteAsync(new TableWrite.Delete(table, Key("a"), null), Token));
        var conditional = await Tables.WriteAsync(new TableWrite.Delete(table, Key("a"), Condition.Exists(P(UserKey))), Token);

        Assert.Null(Assert.IsType<TableWriteOutcome.ConditionFailed>(conditional).Current);
    }

    [Fact]
    public async Task Transact_CheckOnOneTableAndWritesOnAnother_ConditionsMet_WritesThemAll()
    {
        var table = await UserTableAsync(Item("b"), Item("c", ("m", Map(("v", S(Held.Text))))));
        var tombstones = await CreateTableAsync(Tombstone.KeyAttribute);
        var put = Item("a", ("data", S("x")));

        var outcome = await Tables.TransactAsync(
        [
            new TableWrite.Check(tombstones, Key("a", Tombstone.KeyAttribute), Condition.Missing(P(Tombstone.KeyAttribute))),
            new TableWrite.Put(table, Key("a"), put, Condition.Missing(P(UserKey))),
            new TableWrite.Delete(table, Key("b"), Condition.Exists(P(UserKey))),
            new TableWrite.Set(table, Key("c"), "m", Map(("v", S(Later.Text))), Condition.Equal(P("m", "v"), S(Held.Text))),
        ], Token);

        Assert.IsType<TransactionOutcome.Written>(outcome);
        Same(put, await ReadAsync(table, Key("a")));
        Assert.Null(await ReadAsync(table, Key("b")));
        Same(Item("c", ("m", Map(("v", S(Later.Text))))), await ReadAsync(table, Key("c")));
        Assert.Null(await ReadAsync(tombstones, Key("a", Tombstone.KeyAttribute)));
    }

    [Fact]
    public async Task Transact_CheckUnmet_IsCancelledNamingTheCheck_AndWritesNothing()
    {
        var table = await UserTableAsync(Item("b"));
        var tombstones = await CreateTableAsync(Tombstone.KeyAttribute);
        var stone = new Dictionary<string, DynamoValue> { [Tombstone.KeyAttribute] = S("a"), [Tombstone.VersionAttribute] = S(Later.Text) };
        Assert.IsType<TableWriteOutcome.Written>(await Tables.WriteAsync(new TableWrite.Put(tombstones, Key("a", Tombstone.KeyAttribute), stone, null), Token));
        var newerStone = Condition.Missing(P(Tombstone.KeyAttribute)).Or(Condition.Less(P(Tombstone.VersionAttribute), S(Held.Text)));

        var outcome = await Tables.TransactAsync(
        [
            new TableWrite.Put(table, Key("a"), Item("a", ("data", S("x"))), Condition.Missing(P(UserKey))),
            new TableWrite.Check(tombstones, Key("a", Tombstone.KeyAttribute), newerStone),
            new TableWrite.Delete(table, Key("b"), null),
        ], Token);

        Assert.Equal([1], Assert.IsType<TransactionOutcome.Cancelled>(outcome).FailedConditions);
        Assert.Null(await ReadAsync(table, Key("a")));
        Same(Item("b"), await ReadAsync(table, Key("b")));
    }

    [Fact]
    public async Task Transact_PutConditionUnmet_IsCancelledNamingThePut_AndWritesNothing()
    {
        var table = await UserTableAsync(Item("a", ("data", S("first"))));
        var tombstones = await CreateTableAsync(Tombstone.KeyAttribute);

        var outcome = await Tables.TransactAsync(
        [
            new TableWrite.Put(table, Key("a"), Item("a", ("data", S("second"))), Condition.Missing(P(UserKey))),
            new TableWrite.Put(tombstones, Key("a", Tombstone.KeyAttribute), new Dictionary<string, DynamoValue> { [Tombstone.KeyAttribute] = S("a") }, null),
        ], Token);

        Assert.Equal([0], Assert.IsType<TransactionOutcome.Cancelled>(outcome).FailedConditions);
        Same(Item("a", ("data", S("first"))), await ReadAsync(table, Key("a")));
        Assert.Null(await ReadAsync(tombstones, Key("a", Tombstone.KeyAttribute)));
    }

    [Fact]
    public async Task Transact_TwoWritesOnOneItem_IsRefusedAsPoison_AndWritesNothing()
    {
        var table = await UserTableAsync();

        var outcome = await Tables.TransactAsync(
        [
            new TableWrite.Put(table, Key("a"), Item("a"), null),
            new TableWrite.Check(table, Key("a"), Condition.Missing(P(UserKey))),
        ], Token);

        Assert.Equal(TargetErrorKind.Poison, Assert.IsType<TransactionOutcome.Failed>(outcome).Refusal.Kind);
        Assert.Null(await ReadAsync(table, Key("a")));
    }

    [Fact]
    public async Task Read_PresentAndMissingKeys_MoreThanOneRequestTakes_AnswersEachPresentItemOnly()
    {
        var present = Enumerable.Range(0, ReplicationOptions.MaxBatchGetKeys + 20).Select(i => Item($"k{i}", ("i", N($"{i}")))).ToArray();
        var table = await UserTableAsync(present);
        var missing = Enumerable.Range(0, 30).Select(i => Key($"nobody{i}")).ToList();
        List<ItemKey> asked = [.. present.Select(item => Key(item[UserKey].AsString())), .. missing, Key("k0")];

        var read = Assert.IsType<TableReadOutcome.Read>(await Tables.ReadAsync(table, asked, Token));

        Assert.Equal(present.Length, read.Items.Count);
        Assert.All(present, item => Same(item, read.Items.GetValueOrDefault(Key(item[UserKey].AsString()))));
        Assert.All(missing, key => Assert.False(read.Items.ContainsKey(key), $"{key} was answered"));
    }

    [Fact]
    public async Task Read_OfNoKeys_AnswersNothing()
    {
        var table = await UserTableAsync(Item("a"));

        Assert.Empty(Assert.IsType<TableReadOutcome.Read>(await Tables.ReadAsync(table, [], Token)).Items);
    }

    [Fact]
    public async Task MissingTable_EveryCall_IsRefusedAsFatal_NotThrown()
    {
        var missing = MissingTable();
        var key = Key("a");

        Refusal[] refusals =
        [
            Assert.IsType<TableWriteOutcome.Failed>(await Tables.WriteAsync(new TableWrite.Put(missing, key, Item("a"), Condition.Missing(P(UserKey))), Token)).Refusal,
            Assert.IsType<TableWriteOutcome.Failed>(await Tables.WriteAsync(new TableWrite.Set(missing, key, "m", S("x"), null), Token)).Refusal,
            Assert.IsType<TableWriteOutcome.Failed>(await Tables.WriteAsync(new TableWrite.Delete(missing, key, null), Token)).Refusal,
            Assert.IsType<TransactionOutcome.Failed>(await Tables.TransactAsync([new TableWrite.Check(missing, key, Condition.Missing(P(UserKey)))], Token)).Refusal,
            Assert.IsType<TableReadOutcome.Failed>(await Tables.ReadAsync(missing, [key], Token)).Refusal,
        ];

        Assert.All(refusals, refusal => Assert.Equal(TargetErrorKind.Fatal, refusal.Kind));
        Assert.All(refusals, refusal => Assert.Contains(missing, refusal.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Write_OfACheckAlone_OrAnOrderingOfANonString_IsAnArgumentError()
    {
        var table = await UserTableAsync(Item("a", ("n", N("3"))));

        await Assert.ThrowsAsync<ArgumentException>(() => Tables.WriteAsync(new TableWrite.Check(table, Key("a"), Condition.Exists(P(UserKey))), Token));
        await Assert.ThrowsAsync<ArgumentException>(() => Tables.WriteAsync(new TableWrite.Put(table, Key("a"), Item("a"), Condition.Less(P("n"), N("4"))), Token));
        await Assert.ThrowsAsync<ArgumentException>(() => Tables.TransactAsync([new TableWrite.Check(table, Key("a"), Condition.LessOrEqual(P("n"), N("4")))], Token));
    }
}
