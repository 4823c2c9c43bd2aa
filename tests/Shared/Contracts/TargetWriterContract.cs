using Replicator.Applying;
using Replicator.Model;
using Replicator.Planning;

namespace Replicator.Tests.Contracts;

/// <summary>
/// What the engine relies on from an <see cref="ITargetWriter"/>, run against the in-memory fake
/// (unit tests) and against <c>DynamoDbHttpWriter</c> on moto (integration tests), so the fake
/// cannot drift from the real thing. Each test gets a fresh, empty table keyed by <c>pk</c> (S).
/// </summary>
public abstract class TargetWriterContract
{
    /// <summary>A writer to a new, empty table whose partition key is <c>pk</c> (S).</summary>
    protected abstract Task<ITargetWriter> NewTableAsync();

    /// <summary>A writer to a table that does not exist.</summary>
    protected abstract ITargetWriter MissingTable();

    /// <summary>The item as the table holds it now (a strongly consistent read), or null.</summary>
    protected abstract Task<IReadOnlyDictionary<string, DynamoValue>?> ReadAsync(ITargetWriter writer, ItemKey key);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    protected static ItemKey Key(string pk) => new(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String(pk) });

    private static WriteAction Put(string pk, params (string Name, DynamoValue Value)[] attributes)
    {
        var item = new Dictionary<string, DynamoValue>(StringComparer.Ordinal) { ["pk"] = DynamoValue.String(pk) };
        foreach (var (name, value) in attributes)
        {
            item[name] = value;
        }

        return WriteAction.Copy(Key(pk), item);
    }

    private static WriteAction Delete(string pk) => WriteAction.Remove(Key(pk));

    /// <summary>Writes a batch, writing again whatever the service left unprocessed (as the engine does), a bounded number of times.</summary>
    private static async Task WriteAllAsync(ITargetWriter writer, IReadOnlyList<WriteAction> actions)
    {
        var pending = actions;
        for (var attempt = 0; pending.Count > 0; attempt++)
        {
            Assert.True(attempt < 20, "the target kept leaving items unprocessed");
            var outcome = Assert.IsType<BatchOutcome.Written>(await writer.WriteBatchAsync(pending, Token));
            Assert.All(outcome.Unprocessed, left => Assert.Contains(left, pending));
            pending = outcome.Unprocessed;
        }
    }

    [Fact]
    public async Task WriteBatch_PutsAndDeletes_AreDurable()
    {
        var writer = await NewTableAsync();
        await WriteAllAsync(writer, [Put("a", ("v", DynamoValue.Number("1"))), Put("b", ("v", DynamoValue.Number("2")))]);

        await WriteAllAsync(writer, [Delete("a"), Put("b", ("v", DynamoValue.Number("3"))), Put("c", ("v", DynamoValue.Number("4")))]);

        Assert.Null(await ReadAsync(writer, Key("a")));
        Assert.Equal(DynamoValue.Number("3"), (await ReadAsync(writer, Key("b")))?["v"]);
        Assert.Equal(DynamoValue.Number("4"), (await ReadAsync(writer, Key("c")))?["v"]);
    }

    [Fact]
    public async Task WriteBatch_OfTheMostItemsARequestTakes_IsTaken()
    {
        var writer = await NewTableAsync();
        var actions = Enumerable.Range(0, ReplicationOptions.MaxBatchWriteItems).Select(i => Put($"k{i}", ("v", DynamoValue.Number($"{i}")))).ToList();

        await WriteAllAsync(writer, actions);

        foreach (var action in actions)
        {
            Assert.NotNull(await ReadAsync(writer, action.Key));
        }
    }

    [Fact]
    public async Task WriteBatch_EveryAttributeType_RoundTrips()
    {
        var writer = await NewTableAsync();
        var put = Put(
            "all",
            ("s", DynamoValue.String("text ü 😀")),
            ("n", DynamoValue.Number("-12345678901234567890123456789012345678")),
            ("b", DynamoValue.Binary([0, 1, 254, 255])),
            ("t", DynamoValue.True),
            ("null", DynamoValue.Null),
            ("m", DynamoValue.Map(new Dictionary<string, DynamoValue> { ["inner"] = DynamoValue.List([DynamoValue.Number("1"), DynamoValue.String("x")]) })),
            ("ss", DynamoValue.StringSet(["a", "b"])),
            ("ns", DynamoValue.NumberSet(["1", "2.5"])),
            ("bs", DynamoValue.BinarySet([[1], [2, 3]])));

        await WriteAllAsync(writer, [put]);

        var stored = await ReadAsync(writer, put.Key);
        Assert.NotNull(stored);
        Assert.True(DynamoValue.MapsEqual(put.Item, stored), $"stored {DynamoJson.ToJson(stored)}");
    }

    /// <summary>
    /// A put whose item is a stream image kept as its bytes (<see cref="RawImage"/>), in a batch and on
    /// its own: every attribute type arrives as the values the bytes spell.
    /// </summary>
    [Fact]
    public async Task Writes_PutOfARawImage_RoundTripEveryAttributeType()
    {
        var writer = await NewTableAsync();
        static RawImage Image(string pk) => new(System.Text.Encoding.UTF8.GetBytes(
            $$$$"""{"pk":{"S":"{{{{pk}}}}"},"s":{"S":"text \u00fc \ud83d\ude00"},"n":{"N":"1E+3"},"b":{"B":"AAEC"},"t":{"BOOL":true},"f":{"BOOL":false},"null":{"NULL":true},"m":{"M":{"inner":{"L":[{"N":"-0.5"},{"S":"x"},{"M":{}}]}}},"ss":{"SS":["a","b"]},"ns":{"NS":["1","2.5"]},"bs":{"BS":["AQ==","AgM="]}}"""));
        static Dictionary<string, DynamoValue> Expected(string pk) => new(StringComparer.Ordinal)
        {
            ["pk"] = DynamoValue.String(pk),
            ["s"] = DynamoValue.String("text ü 😀"),
            ["n"] = DynamoValue.Number("1000"),
            ["b"] = DynamoValue.Binary([0, 1, 2]),
            ["t"] = DynamoValue.True,
            ["f"] = DynamoValue.False,
            ["null"] = DynamoValue.Null,
            ["m"] = DynamoValue.Map(new Dictionary<string, DynamoValue> { ["inner"] = DynamoValue.List([DynamoValue.Number("-0.5"), DynamoValue.String("x"), DynamoValue.Map(new Dictionary<string, DynamoValue>())]) }),
            ["ss"] = DynamoValue.StringSet(["a", "b"]),
            ["ns"] = DynamoValue.NumberSet(["1", "2.5"]),
            ["bs"] = DynamoValue.BinarySet([[1], [2, 3]]),
        };

        await WriteAllAsync(writer, [WriteAction.Copy(Key("batched"), Image("batched"))]);
        Assert.IsType<WriteOutcome.Written>(await writer.WriteOneAsync(WriteAction.Copy(Key("alone"), Image("alone")), Token));

        foreach (var pk in new[] { "batched", "alone" })
        {
            var stored = await ReadAsync(writer, Key(pk));
            Assert.NotNull(stored);
            Assert.True(DynamoValue.MapsEqual(Expected(pk), stored), $"stored {DynamoJson.ToJson(stored)}");
        }
    }

    [Fact]
    public async Task WriteOne_PutThenDelete_LeavesNoItem_AndDeletingAMissingKeyIsApplied()
    {
        var writer = await NewTableAsync();

        Assert.IsType<WriteOutcome.Written>(await writer.WriteOneAsync(Put("a", ("v", DynamoValue.Number("1"))), Token));
        Assert.NotNull(await ReadAsync(writer, Key("a")));
        Assert.IsType<WriteOutcome.Written>(await writer.WriteOneAsync(Delete("a"), Token));
        Assert.IsType<WriteOutcome.Written>(await writer.WriteOneAsync(Delete("never-there"), Token));

        Assert.Null(await ReadAsync(writer, Key("a")));
    }

    /// <summary>An item over DynamoDB's 400 KB is the record's fault: poison, so it is dead-lettered and its neighbours apply.</summary>
    [Fact]
    public async Task WriteOne_ItemOverTheSizeLimit_IsRefusedAsPoison()
    {
        var writer = await NewTableAsync();
        var huge = Put("huge", ("blob", DynamoValue.String(new string('x', ReplicationOptions.MaxItemSizeBytes + 1024))));

        var refusal = Assert.IsType<WriteOutcome.Failed>(await writer.WriteOneAsync(huge, Token)).Refusal;

        Assert.Equal(TargetErrorKind.Poison, refusal.Kind);
        Assert.Null(await ReadAsync(writer, huge.Key));
    }

    /// <summary>Items that lack the table's key mean the wrong table, not a bad record: fatal, never dead-lettered.</summary>
    [Fact]
    public async Task WriteBatch_ItemsWithoutTheTablesKey_AreRefusedAsFatal()
    {
        var writer = await NewTableAsync();
        var key = new ItemKey(new Dictionary<string, DynamoValue> { ["other"] = DynamoValue.String("x") });
        var wrong = WriteAction.Copy(key, new Dictionary<string, DynamoValue> { ["other"] = DynamoValue.String("x") });

        var refusal = Assert.IsType<BatchOutcome.Failed>(await writer.WriteBatchAsync([wrong], Token)).Refusal;

        Assert.Equal(TargetErrorKind.Fatal, refusal.Kind);
    }

    [Fact]
    public async Task WriteBatch_TableThatDoesNotExist_IsRefusedAsFatal_NamingIt()
    {
        var writer = MissingTable();

        var refusal = Assert.IsType<BatchOutcome.Failed>(await writer.WriteBatchAsync([Put("a")], Token)).Refusal;

        Assert.Equal(TargetErrorKind.Fatal, refusal.Kind);
        Assert.Contains(writer.Target.TableName, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writes_Cancelled_Throw_RatherThanReportAnOutcome()
    {
        var writer = await NewTableAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.WriteBatchAsync([Put("a")], cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.WriteOneAsync(Put("a"), cancelled.Token));
    }
}
