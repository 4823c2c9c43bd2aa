using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.Aws.Verification;
using Replicator.IntegrationTests.Cli;
using Replicator.IntegrationTests.Support;
using Replicator.Model;
using Replicator.Verification;

namespace Replicator.IntegrationTests.Verification;

/// <summary>
/// <c>replicator verify</c> on moto: it finds exactly the differences a test planted, and nothing
/// that is only spelled differently; <c>--repair</c> leaves none; throttling and unprocessed keys
/// on the target (a fault-injecting proxy, as moto never throttles) lose nothing.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class VerifyOnMotoTests(MotoServer moto)
{
    private const string SourceRegion = "us-east-1";
    private const string TargetRegion = "us-west-2";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private IAmazonDynamoDB Source => moto.Clients.DynamoDb(SourceRegion);

    private IAmazonDynamoDB Target => moto.Clients.DynamoDb(TargetRegion);

    private static Dictionary<string, DynamoValue> Key(string pk, int sk) => new(StringComparer.Ordinal)
    {
        ["pk"] = DynamoValue.String(pk),
        ["sk"] = DynamoValue.Number(sk.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    };

    private static Dictionary<string, DynamoValue> Item(string pk, int sk, params (string Name, DynamoValue Value)[] attributes)
    {
        var item = Key(pk, sk);
        foreach (var (name, value) in attributes)
        {
            item[name] = value;
        }

        return item;
    }

    /// <summary>An item of every attribute type; numbers, sets and binary exactly as given (moto stores them as sent).</summary>
    private static Dictionary<string, DynamoValue> Everything(int i) => Item($"user{i % 17}", i,
        ("name", DynamoValue.String($"User {i} — Zoë")),
        ("balance", DynamoValue.Number("12345678901234567890.123456789012345678")),
        ("avatar", DynamoValue.Binary([(byte)i, 0, 255])),
        ("active", DynamoValue.Bool(i % 2 == 0)),
        ("nickname", DynamoValue.Null),
        ("address", DynamoValue.Map(new Dictionary<string, DynamoValue> { ["geo"] = DynamoValue.List([DynamoValue.Number("38.7223"), DynamoValue.Number("-9.1393")]) })),
        ("tags", DynamoValue.StringSet(["a", "b", $"t{i % 5}"])),
        ("scores", DynamoValue.NumberSet(["1", "2.5", $"{i + 3}"])),
        ("keys", DynamoValue.BinarySet([[1], [(byte)(i % 200 + 2), 2]])));

    private static Task PutAsync(IAmazonDynamoDB client, string table, Dictionary<string, DynamoValue> item) =>
        client.PutItemAsync(new PutItemRequest { TableName = table, Item = AttributeValues.ToSdk(item) }, Token);

    private static async Task PutAllAsync(IAmazonDynamoDB client, string table, IEnumerable<Dictionary<string, DynamoValue>> items) =>
        await Parallel.ForEachAsync(items.Chunk(25), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = Token }, async (chunk, token) =>
        {
            var response = await client.BatchWriteItemAsync(new BatchWriteItemRequest
            {
                RequestItems = new() { [table] = chunk.Select(item => new WriteRequest { PutRequest = new PutRequest { Item = AttributeValues.ToSdk(item) } }).ToList() },
            }, token);
            Assert.True(response.UnprocessedItems is null || response.UnprocessedItems.Count == 0);
        });

    private async Task<(string Source, string Target)> TablesAsync()
    {
        var source = await moto.CreateTableAsync(SourceRegion, "verify-src", "S", "N");
        var target = await moto.CreateTableAsync(TargetRegion, "verify-tgt", "S", "N");
        return (source, target);
    }

    /// <summary>
    /// The same 80 items on both sides, then: two missing from the target, one extra on it, one
    /// attribute changed, one attribute's type changed (N to S); and three that are not
    /// differences: sets in another order, numbers spelled otherwise (1E+3 and 1000, 0.50 and .5),
    /// and equal binary.
    /// </summary>
    private async Task<(string Source, string Target)> PlantedAsync()
    {
        var (source, target) = await TablesAsync();
        var common = Enumerable.Range(0, 80).Select(Everything).ToList();
        await PutAllAsync(Source, source, common);
        await PutAllAsync(Target, target, common);

        await PutAsync(Source, source, Item("missing", 1, ("v", DynamoValue.String("only on the source"))));
        await PutAsync(Source, source, Item("missing", 2, ("v", DynamoValue.String("only on the source"))));
        await PutAsync(Target, target, Item("extra", 3, ("v", DynamoValue.String("only on the target"))));
        await PutAsync(Source, source, Item("changed", 4, ("status", DynamoValue.String("shipped")), ("same", DynamoValue.Number("1"))));
        await PutAsync(Target, target, Item("changed", 4, ("status", DynamoValue.String("ordered")), ("same", DynamoValue.Number("1"))));
        await PutAsync(Source, source, Item("retyped", 5, ("count", DynamoValue.Number("7"))));
        await PutAsync(Target, target, Item("retyped", 5, ("count", DynamoValue.String("7"))));

        await PutAsync(Source, source, Item("sets", 6, ("ss", DynamoValue.StringSet(["b", "a", "c"])), ("ns", DynamoValue.NumberSet(["3", "1", "2"])), ("bs", DynamoValue.BinarySet([[3], [1], [2]]))));
        await PutAsync(Target, target, Item("sets", 6, ("ss", DynamoValue.StringSet(["a", "c", "b"])), ("ns", DynamoValue.NumberSet(["1", "2", "3"])), ("bs", DynamoValue.BinarySet([[1], [2], [3]]))));
        await PutAsync(Source, source, Item("number", 7, ("n", DynamoValue.Number("1E+3")), ("m", DynamoValue.Map(new Dictionary<string, DynamoValue> { ["x"] = DynamoValue.Number("0.50") })), ("l", DynamoValue.List([DynamoValue.Number("100")]))));
        await PutAsync(Target, target, Item("number", 7, ("n", DynamoValue.Number("1000")), ("m", DynamoValue.Map(new Dictionary<string, DynamoValue> { ["x"] = DynamoValue.Number(".5") })), ("l", DynamoValue.List([DynamoValue.Number("1e2")]))));
        await PutAsync(Source, source, Item("binary", 8, ("b", DynamoValue.Binary([0, 1, 2, 254, 255]))));
        await PutAsync(Target, target, Item("binary", 8, ("b", DynamoValue.Binary([0, 1, 2, 254, 255]))));
        return (source, target);
    }

    private static string[] Verify(string source, string target, params string[] more) =>
        ["verify", "--source", $"{SourceRegion}:{source}", "--target", $"{TargetRegion}:{target}", .. more];

    /// <summary>Text output with the console's line wrapping undone, so that a test can look for a whole sentence.</summary>
    private static string Unwrapped(string output) => System.Text.RegularExpressions.Regex.Replace(output, @"\s+", " ");

    private static JsonElement LastJson(string output) => JsonDocument.Parse(output.Split('\n').Last(line => line.StartsWith('{'))).RootElement;

    [Fact]
    public async Task Verify_PlantedDifferences_FindsExactlyThem_ThenRepair_ThenVerifyFindsNone()
    {
        var (source, target) = await PlantedAsync();

        var (code, output) = await ReplicatorProcess.RunAsync(moto, Timeout, Verify(source, target, "--output", "json"));

        Assert.True(code == 1, $"verify exited {code}:\n{output}");
        var report = LastJson(output);
        Assert.False(report.GetProperty("identical").GetBoolean());
        Assert.Equal((2, 1, 2), (report.GetProperty("missing").GetInt32(), report.GetProperty("extra").GetInt32(), report.GetProperty("different").GetInt32()));
        Assert.Equal(87, report.GetProperty("sourceItems").GetInt32());
        var only = Assert.Single(report.GetProperty("targets").EnumerateArray().ToList());
        Assert.Equal((87, 83), (only.GetProperty("compared").GetInt32(), only.GetProperty("matched").GetInt32()));
        var samples = only.GetProperty("samples").EnumerateArray().ToList();
        Assert.Equal(["missing", "missing", "extra", "different", "different"], samples.Select(sample => sample.GetProperty("kind").GetString()));
        var changed = Assert.Single(samples, sample => sample.GetProperty("key").GetProperty("pk").GetProperty("S").GetString() == "changed");
        var status = Assert.Single(changed.GetProperty("attributes").EnumerateArray().ToList());
        Assert.Equal("status", status.GetProperty("name").GetString());
        Assert.Equal("{\"S\":\"shipped\"}", status.GetProperty("source").GetRawText());
        Assert.Equal("{\"S\":\"ordered\"}", status.GetProperty("target").GetRawText());
        var retyped = Assert.Single(Assert.Single(samples, sample => sample.GetProperty("key").GetProperty("pk").GetProperty("S").GetString() == "retyped").GetProperty("attributes").EnumerateArray().ToList());
        Assert.Equal(("count", "{\"N\":\"7\"}", "{\"S\":\"7\"}"), (retyped.GetProperty("name").GetString(), retyped.GetProperty("source").GetRawText(), retyped.GetProperty("target").GetRawText()));

        var (textCode, text) = await ReplicatorProcess.RunAsync(moto, Timeout, Verify(source, target));
        Assert.True(textCode == 1, text);
        Assert.Contains("The tables differ: 2 missing, 1 extra, 2 different", Unwrapped(text), StringComparison.Ordinal);
        Assert.Contains("status: source {\"S\":\"shipped\"}, target {\"S\":\"ordered\"}", Unwrapped(text), StringComparison.Ordinal);

        var (repairCode, repaired) = await ReplicatorProcess.RunAsync(moto, Timeout, Verify(source, target, "--repair", "--output", "json"));
        Assert.True(repairCode == 0, $"verify --repair exited {repairCode}:\n{repaired}");
        var repair = Assert.Single(LastJson(repaired).GetProperty("targets").EnumerateArray().ToList()).GetProperty("repair");
        Assert.Equal((5, 0, 0), (repair.GetProperty("repaired").GetInt32(), repair.GetProperty("failed").GetInt32(), repair.GetProperty("stillDifferent").GetInt32()));

        var (againCode, again) = await ReplicatorProcess.RunAsync(moto, Timeout, Verify(source, target, "--output", "json"));
        Assert.True(againCode == 0, $"verify after repair exited {againCode}:\n{again}");
        Assert.True(LastJson(again).GetProperty("identical").GetBoolean());
        Assert.Empty((await TableComparer.CompareAsync(Source, source, Target, target, Token)).Differences);
        // What only looked different was left alone.
        var number = await Target.GetItemAsync(new GetItemRequest { TableName = target, Key = AttributeValues.ToSdk(Key("number", 7)), ConsistentRead = true }, Token);
        Assert.Equal("1000", number.Item["n"].N);
    }

    [Fact]
    public async Task Verify_IdenticalTables_ExitsZero_WithTextOutput()
    {
        var (source, target) = await TablesAsync();
        var items = Enumerable.Range(0, 120).Select(Everything).ToList();
        await PutAllAsync(Source, source, items);
        await PutAllAsync(Target, target, items);

        var (code, output) = await ReplicatorProcess.RunAsync(moto, Timeout, Verify(source, target, "--segments", "3"));

        Assert.True(code == 0, output);
        Assert.Contains("The tables are identical (120 source and 120 target items read in", Unwrapped(output), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_TargetWithAnotherKeySchema_Exits2_NamingBothKeys()
    {
        var source = await moto.CreateTableAsync(SourceRegion, "verify-src", "S", "N");
        var target = await moto.CreateTableAsync(TargetRegion, "verify-other", "S");

        var (code, output) = await ReplicatorProcess.RunAsync(moto, Timeout, Verify(source, target));

        Assert.True(code == 2, output);
        Assert.Contains($"--target: {TargetRegion}:{target} has the key pk (S, partition key), but the source {SourceRegion}:{source} has pk (S, partition key) + sk (N, sort key)", Unwrapped(output), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Verify_MissingTable_Exits2_NamingTheOptionAndTheTable(bool sourceMissing)
    {
        var existing = await moto.CreateTableAsync(sourceMissing ? TargetRegion : SourceRegion, "verify-one", "S", "N");
        var (source, target) = sourceMissing ? ("no-such-table", existing) : (existing, "no-such-table");

        var (code, output) = await ReplicatorProcess.RunAsync(moto, Timeout, Verify(source, target));

        Assert.True(code == 2, output);
        Assert.Contains(sourceMissing ? $"--source: table {SourceRegion}:no-such-table does not exist." : $"--target: table {TargetRegion}:no-such-table does not exist.", Unwrapped(output), StringComparison.Ordinal);
    }

    /// <summary>
    /// A target through the fault proxy: Scan, BatchGetItem and GetItem throttled, 5xx and
    /// UnprocessedKeys; during repair, BatchWriteItem throttled and left half unprocessed. Verify
    /// must still find exactly the planted differences, and repair every one.
    /// </summary>
    [Fact]
    public async Task Verify_ThrottledTarget_LosesNothing_AndRepairWritesEveryDifference()
    {
        var (source, target) = await TablesAsync();
        var items = Enumerable.Range(0, 600).Select(Everything).ToList();
        await PutAllAsync(Source, source, items);
        await PutAllAsync(Target, target, items.Where((_, i) => i % 20 != 0)); // 30 missing
        await PutAllAsync(Target, target, Enumerable.Range(0, 12).Select(i => Item("extra", i))); // 12 extra
        await PutAllAsync(Target, target, items.Where((_, i) => i % 20 == 1).Select(item => new Dictionary<string, DynamoValue>(item) { ["name"] = DynamoValue.String("stale") })); // 30 different

        await using var proxy = new FaultProxy(moto.Endpoint);
        using var faulty = new AwsClients(MotoServer.Credentials, proxy.Endpoint);
        proxy.Policy = (operation, call) => operation switch
        {
            "Scan" => call <= 3 ? Fault.Throttle : Fault.None,
            "BatchGetItem" => (call % 4) switch { 1 => Fault.Throttle, 2 => Fault.HalfUnprocessed, 3 => Fault.Unavailable, _ => Fault.None },
            "GetItem" => call % 3 == 0 ? Fault.ServerError : Fault.None,
            "BatchWriteItem" => call <= 4 ? Fault.Throttle : call % 2 == 0 ? Fault.HalfUnprocessed : Fault.None,
            _ => Fault.None,
        };
        var sourceTable = new TargetTable(SourceRegion, source);
        var targetTable = new TargetTable(TargetRegion, target);
        TableVerifier Verifier(bool repair) => new(
            new DynamoDbTableReader(Source, sourceTable),
            [new VerifyTarget(new DynamoDbTableReader(faulty.DynamoDb(TargetRegion), targetTable), faulty.Writer(targetTable))],
            new VerifySettings { Repair = repair, Settle = TimeSpan.Zero, BaseRetryDelay = TimeSpan.FromMilliseconds(5), MaxRetryDelay = TimeSpan.FromMilliseconds(50) },
            TimeProvider.System,
            new Random(11));

        var report = await Verifier(repair: true).RunAsync(Token);

        var result = Assert.Single(report.Targets);
        Assert.Equal((600L, 540L, 30L, 12L, 30L), (result.Compared, result.Matched, result.Missing, result.Extra, result.Different));
        Assert.Equal((72L, 0L, 0L), (result.Repair!.Repaired, result.Repair.Failed, result.Repair.StillDifferent));
        Assert.True(report.Succeeded);
        foreach (var (operation, fault) in new[] { ("Scan", Fault.Throttle), ("BatchGetItem", Fault.Throttle), ("BatchGetItem", Fault.HalfUnprocessed), ("GetItem", Fault.ServerError), ("BatchWriteItem", Fault.Throttle), ("BatchWriteItem", Fault.HalfUnprocessed) })
        {
            Assert.Contains((operation, fault), proxy.Log);
        }

        var again = await Verifier(repair: false).RunAsync(Token);
        Assert.True(again.Identical, string.Join("; ", again.Targets[0].Samples));
        Assert.Empty((await TableComparer.CompareAsync(Source, source, Target, target, Token)).Differences);
    }

    /// <summary>
    /// A change replicating while verify runs: the target's first read (a real BatchGetItem on
    /// moto) sees the old image, and the change lands on the target right after it. The
    /// consistent re-read agrees, so it is not a difference.
    /// </summary>
    [Fact]
    public async Task Verify_ChangeLandingOnTheTargetAfterItsFirstRead_IsNotReported()
    {
        var (source, target) = await TablesAsync();
        var items = Enumerable.Range(0, 50).Select(Everything).ToList();
        await PutAllAsync(Source, source, items);
        await PutAllAsync(Target, target, items);
        var changed = new Dictionary<string, DynamoValue>(items[7]) { ["name"] = DynamoValue.String("renamed") };
        await PutAsync(Source, source, changed);
        var targetTable = new TargetTable(TargetRegion, target);
        var lagging = new LandsAfterFirstRead(new DynamoDbTableReader(Target, targetTable), new ItemKey(Key("user7", 7)), () => PutAsync(Target, target, changed));

        var report = await new TableVerifier(
            new DynamoDbTableReader(Source, new TargetTable(SourceRegion, source)),
            [new VerifyTarget(lagging, null)],
            new VerifySettings { Settle = TimeSpan.Zero },
            TimeProvider.System,
            new Random(5)).RunAsync(Token);

        var result = Assert.Single(report.Targets);
        Assert.True(report.Identical, string.Join("; ", result.Samples));
        Assert.Equal(1, result.SettledOnReread);
        Assert.Equal(50, result.Matched);
    }

    /// <summary>The target's reader, with a replicated write that lands just after the first BatchGetItem of <paramref name="key"/> is answered.</summary>
    private sealed class LandsAfterFirstRead(ITableReader inner, ItemKey key, Func<Task> replicate) : ITableReader
    {
        private int _landed;

        public TargetTable Table => inner.Table;

        public Task<TableShape?> DescribeAsync(CancellationToken cancellationToken) => inner.DescribeAsync(cancellationToken);

        public Task<ScanPage> ScanAsync(int segment, int totalSegments, IReadOnlyDictionary<string, DynamoValue>? exclusiveStartKey, IReadOnlyList<string>? projection, CancellationToken cancellationToken) =>
            inner.ScanAsync(segment, totalSegments, exclusiveStartKey, projection, cancellationToken);

        public async Task<BatchGetResult> BatchGetAsync(IReadOnlyList<ItemKey> keys, IReadOnlyList<string>? projection, CancellationToken cancellationToken)
        {
            var result = await inner.BatchGetAsync(keys, projection, cancellationToken);
            if (keys.Contains(key) && Interlocked.Exchange(ref _landed, 1) == 0)
            {
                await replicate();
            }

            return result;
        }

        public Task<IReadOnlyDictionary<string, DynamoValue>?> GetAsync(ItemKey key, CancellationToken cancellationToken) => inner.GetAsync(key, cancellationToken);
    }
}
