using System.Globalization;
using Replicator.Model;
using Replicator.Verification;
using Item = System.Collections.Generic.IReadOnlyDictionary<string, Replicator.Model.DynamoValue>;

namespace Replicator.Tests.Contracts;

/// <summary>
/// The contract of <see cref="ITableReader"/>, as its doc comments state it, for every
/// implementation: the in-memory table the unit tests use and the DynamoDB reader on moto each
/// derive from this class, so that the fake cannot drift from the real thing. A derived class
/// makes tables (<see cref="CreateTableAsync"/>), deletes an item as another writer would
/// (<see cref="DeleteAsync"/>), and names a table that does not exist (<see cref="MissingTable"/>).
/// Every read is strongly consistent, so what a test wrote is what it reads.
/// </summary>
public abstract class TableReaderContract
{
    protected static readonly KeyAttribute PartitionKey = new("pk", "S", IsPartitionKey: true);
    protected static readonly KeyAttribute SortKey = new("sk", "N", IsPartitionKey: false);

    /// <summary>Padding that makes 25 items about 2.5 MB, so a scan segment needs pages (DynamoDB ends a page at 1 MB).</summary>
    private const int LargeItemPadding = 100_000;

    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A new, empty table with this key, then these items written to it.</summary>
    protected abstract Task<ITableReader> CreateTableAsync(IReadOnlyList<KeyAttribute> key, IReadOnlyList<Item> items);

    /// <summary>Deletes one item of a table made by <see cref="CreateTableAsync"/>, as another writer would.</summary>
    protected abstract Task DeleteAsync(ITableReader table, ItemKey key);

    /// <summary>A reader of a table that does not exist.</summary>
    protected abstract ITableReader MissingTable();

    private static Dictionary<string, DynamoValue> Item(string pk, int sk, params (string Name, DynamoValue Value)[] attributes)
    {
        var item = new Dictionary<string, DynamoValue>(StringComparer.Ordinal)
        {
            ["pk"] = DynamoValue.String(pk),
            ["sk"] = DynamoValue.Number(sk.ToString(CultureInfo.InvariantCulture)),
        };
        foreach (var (name, value) in attributes)
        {
            item[name] = value;
        }

        return item;
    }

    private static ItemKey KeyOf(Item item) => new TableShape([PartitionKey, SortKey], 0).KeyOf(item);

    private static List<Item> Small(int count) =>
        [.. Enumerable.Range(0, count).Select(i => Item($"user{i % 23}", i, ("name", DynamoValue.String($"User {i}")), ("visits", DynamoValue.Number($"{i * 7}"))))];

    private static List<Item> Large(int count) =>
        [.. Enumerable.Range(0, count).Select(i => Item($"big{i % 5}", i, ("name", DynamoValue.String($"Big {i}")), ("padding", DynamoValue.String(new string((char)('a' + (i % 26)), LargeItemPadding)))))];

    /// <summary>Every page of one segment, following each page's LastEvaluatedKey until there is none.</summary>
    private static async Task<List<ScanPage>> ScanSegmentAsync(ITableReader table, int segment, int totalSegments, IReadOnlyList<string>? projection = null)
    {
        var pages = new List<ScanPage>();
        Item? start = null;
        do
        {
            var page = await table.ScanAsync(segment, totalSegments, start, projection, Token);
            pages.Add(page);
            start = page.LastEvaluatedKey;
        }
        while (start is not null);
        return pages;
    }

    private static async Task<List<Item>> ScanAllAsync(ITableReader table, int totalSegments, IReadOnlyList<string>? projection = null)
    {
        var items = new List<Item>();
        for (var segment = 0; segment < totalSegments; segment++)
        {
            items.AddRange((await ScanSegmentAsync(table, segment, totalSegments, projection)).SelectMany(page => page.Items));
        }

        return items;
    }

    /// <summary>Each item of <paramref name="expected"/> exactly once in <paramref name="actual"/>, equal to it, and nothing else.</summary>
    private static void ExactlyOnce(IReadOnlyList<Item> expected, IReadOnlyList<Item> actual)
    {
        var keys = actual.Select(KeyOf).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Equal(expected.Select(KeyOf).ToHashSet(), keys.ToHashSet());
        var byKey = actual.ToDictionary(KeyOf);
        Assert.All(expected, item => Assert.True(DynamoValue.MapsEqual(item, byKey[KeyOf(item)]), $"{KeyOf(item)} came back changed"));
    }

    [Theory]
    [InlineData("S", null)]
    [InlineData("S", "N")]
    [InlineData("N", "B")]
    [InlineData("B", "S")]
    public async Task Describe_GivesTheKeyNamesTypesAndRoles(string partitionKeyType, string? sortKeyType)
    {
        KeyAttribute[] key = sortKeyType is null
            ? [new KeyAttribute("id", partitionKeyType, IsPartitionKey: true)]
            : [new KeyAttribute("id", partitionKeyType, IsPartitionKey: true), new KeyAttribute("at", sortKeyType, IsPartitionKey: false)];
        var table = await CreateTableAsync(key, []);

        var shape = await table.DescribeAsync(Token);

        Assert.NotNull(shape);
        Assert.Equal(key.ToHashSet(), shape.Key.ToHashSet());
    }

    [Fact]
    public async Task Describe_TableThatDoesNotExist_IsNull()
    {
        Assert.Null(await MissingTable().DescribeAsync(Token));
    }

    [Fact]
    public async Task Reads_OfATableThatDoesNotExist_ThrowTableReadException_NotRetryable()
    {
        var missing = MissingTable();
        var key = KeyOf(Item("k", 1));

        var errors = new[]
        {
            await Assert.ThrowsAsync<TableReadException>(() => missing.ScanAsync(0, 1, null, null, Token)),
            await Assert.ThrowsAsync<TableReadException>(() => missing.BatchGetAsync([key], null, Token)),
            await Assert.ThrowsAsync<TableReadException>(() => missing.GetAsync(key, Token)),
        };

        Assert.All(errors, error => Assert.False(error.Retryable, error.Message));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(7)]
    public async Task Scan_SegmentsTogether_ReturnEveryItemExactlyOnce(int totalSegments)
    {
        var items = Small(200);
        var table = await CreateTableAsync([PartitionKey, SortKey], items);

        ExactlyOnce(items, await ScanAllAsync(table, totalSegments));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Scan_PagesChainedByLastEvaluatedKey_ReturnEveryItemExactlyOnce(int totalSegments)
    {
        var items = Large(25);
        var table = await CreateTableAsync([PartitionKey, SortKey], items);

        var pages = new List<ScanPage>();
        for (var segment = 0; segment < totalSegments; segment++)
        {
            var segmentPages = await ScanSegmentAsync(table, segment, totalSegments);
            Assert.Null(segmentPages[^1].LastEvaluatedKey);
            pages.AddRange(segmentPages);
        }

        Assert.True(pages.Count > totalSegments, $"{pages.Count} pages for {totalSegments} segment(s): nothing was chained");
        ExactlyOnce(items, [.. pages.SelectMany(page => page.Items)]);
    }

    [Fact]
    public async Task Scan_FromTheLastEvaluatedKeyOfAnItemDeletedSince_GoesOnAfterIt()
    {
        var items = Large(25);
        var table = await CreateTableAsync([PartitionKey, SortKey], items);
        var first = await table.ScanAsync(0, 1, null, null, Token);
        Assert.NotNull(first.LastEvaluatedKey);
        var deleted = new ItemKey(first.LastEvaluatedKey);
        await DeleteAsync(table, deleted);

        var rest = new List<Item>();
        var start = first.LastEvaluatedKey;
        while (start is not null)
        {
            var page = await table.ScanAsync(0, 1, start, null, Token);
            rest.AddRange(page.Items);
            start = page.LastEvaluatedKey;
        }

        // The deleted item was read on the first page; nothing is read twice or skipped.
        ExactlyOnce(items, [.. first.Items, .. rest]);
        Assert.DoesNotContain(deleted, rest.Select(KeyOf));
    }

    [Fact]
    public async Task Scan_WithProjection_ReturnsOnlyTheNamedAttributes_KeyAttributesIncludedOnlyWhenNamed()
    {
        var items = Small(30);
        var table = await CreateTableAsync([PartitionKey, SortKey], items);

        var keysOnly = await ScanAllAsync(table, 3, ["pk", "sk"]);
        var names = await ScanAllAsync(table, 3, ["name"]);

        Assert.Equal(items.Select(KeyOf).ToHashSet(), keysOnly.Select(KeyOf).ToHashSet());
        Assert.All(keysOnly, item => Assert.Equal(["pk", "sk"], item.Keys.Order(StringComparer.Ordinal)));
        Assert.Equal(items.Select(item => item["name"].AsString()).Order(StringComparer.Ordinal), names.Select(item => item["name"].AsString()).Order(StringComparer.Ordinal));
        Assert.All(names, item => Assert.Equal(["name"], item.Keys));
    }

    [Fact]
    public async Task BatchGet_ReturnsEachItemFound_LeavesAbsentKeysOut_EveryKeyFoundAbsentOrUnprocessed()
    {
        var items = Small(60);
        var table = await CreateTableAsync([PartitionKey, SortKey], items);
        var present = items.Select(KeyOf).ToList();
        var absent = Enumerable.Range(0, 40).Select(i => KeyOf(Item($"nobody{i}", i))).ToList();
        var asked = present.Concat(absent).ToList();
        Assert.Equal(ReplicationOptions.MaxBatchGetKeys, asked.Count);

        var found = new List<Item>();
        IReadOnlyList<ItemKey> pending = asked;
        for (var request = 0; pending.Count > 0; request++)
        {
            Assert.True(request < 20, $"{pending.Count} key(s) still unprocessed after 20 requests");
            var result = await table.BatchGetAsync(pending, null, Token);
            var returned = result.Items.Select(KeyOf).ToList();
            var answered = returned.Concat(result.Unprocessed).ToHashSet();
            Assert.Subset(pending.ToHashSet(), answered); // Nothing but what was asked for,
            Assert.Superset(pending.Intersect(present).ToHashSet(), answered); // no item present dropped,
            Assert.Empty(returned.Intersect(result.Unprocessed)); // and no key both found and unprocessed.
            found.AddRange(result.Items);
            pending = result.Unprocessed;
        }

        ExactlyOnce(items, found);
    }

    [Fact]
    public async Task BatchGet_WithProjection_ReturnsOnlyTheNamedAttributes()
    {
        var items = Small(10);
        var table = await CreateTableAsync([PartitionKey, SortKey], items);

        var result = await table.BatchGetAsync(items.Select(KeyOf).ToList(), ["pk", "sk"], Token);

        Assert.Empty(result.Unprocessed);
        Assert.Equal(items.Select(KeyOf).ToHashSet(), result.Items.Select(KeyOf).ToHashSet());
        Assert.All(result.Items, item => Assert.Equal(["pk", "sk"], item.Keys.Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task Get_ReturnsTheItem_OrNullWhenThereIsNone()
    {
        var items = Small(5);
        var table = await CreateTableAsync([PartitionKey, SortKey], items);

        var found = await table.GetAsync(KeyOf(items[3]), Token);
        var none = await table.GetAsync(KeyOf(Item("nobody", 3)), Token);

        Assert.NotNull(found);
        Assert.True(DynamoValue.MapsEqual(items[3], found));
        Assert.Null(none);
    }

    /// <summary>
    /// One item of every attribute type, with numbers written as DynamoDB returns them (it
    /// normalises <c>1E+3</c> to <c>1000</c> on write; moto and the fake keep what they are given,
    /// so only numbers already in that form come back as the same text everywhere).
    /// </summary>
    private static Dictionary<string, DynamoValue> EveryType() => Item("every", 1,
        ("s", DynamoValue.String("Zoë — ünïcode, \"quotes\", emoji 😀")),
        ("n", DynamoValue.Number("12345678901234567890.123456789012345678")),
        ("negative", DynamoValue.Number("-0.000001")),
        ("b", DynamoValue.Binary([0, 1, 127, 128, 255])),
        ("yes", DynamoValue.Bool(true)),
        ("no", DynamoValue.Bool(false)),
        ("null", DynamoValue.Null),
        ("m", DynamoValue.Map(new Dictionary<string, DynamoValue>(StringComparer.Ordinal)
        {
            ["geo"] = DynamoValue.List([DynamoValue.Number("38.7223"), DynamoValue.Number("-9.1393")]),
            ["inner"] = DynamoValue.Map(new Dictionary<string, DynamoValue>(StringComparer.Ordinal) { ["deep"] = DynamoValue.String("x") }),
            ["empty"] = DynamoValue.Map(new Dictionary<string, DynamoValue>(StringComparer.Ordinal)),
        })),
        ("l", DynamoValue.List([DynamoValue.String("a"), DynamoValue.Number("1"), DynamoValue.Binary([9]), DynamoValue.Null, DynamoValue.Bool(true), DynamoValue.List([]), DynamoValue.StringSet(["x"])])),
        ("ss", DynamoValue.StringSet(["b", "a", "ç"])),
        ("ns", DynamoValue.NumberSet(["3", "1.5", "-20", "98765432109876543210987654321098765432"])),
        ("bs", DynamoValue.BinarySet([[1], [2, 3], [0, 255]])));

    [Fact]
    public async Task EveryAttributeType_RoundTrips_NumbersAsTheirExactText()
    {
        var item = EveryType();
        var table = await CreateTableAsync([PartitionKey, SortKey], [item]);

        var viaGet = await table.GetAsync(KeyOf(item), Token);
        var viaBatchGet = Assert.Single((await table.BatchGetAsync([KeyOf(item)], null, Token)).Items);
        var viaScan = Assert.Single(await ScanAllAsync(table, 1));

        foreach (var read in new[] { viaGet, viaBatchGet, viaScan })
        {
            Assert.NotNull(read);
            Assert.Equal(Exact(item), Exact(read));
        }
    }

    /// <summary>
    /// An item as text that keeps what <see cref="DynamoValue.Equals(DynamoValue?)"/> forgives:
    /// a number's exact spelling and each attribute's type; sets are unordered, as DynamoDB keeps them.
    /// </summary>
    private static string Exact(Item item) =>
        "{" + string.Join(",", item.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Key}:{Exact(pair.Value)}")) + "}";

    private static string Exact(DynamoValue value) => value.Type switch
    {
        DynamoType.S => $"S'{value.AsString()}'",
        DynamoType.N => $"N'{value.AsNumber()}'",
        DynamoType.B => $"B'{Convert.ToHexString(value.AsBinary())}'",
        DynamoType.BOOL => $"BOOL'{value.AsBool()}'",
        DynamoType.NULL => "NULL",
        DynamoType.M => "M" + Exact(value.AsMap()),
        DynamoType.L => "L[" + string.Join(",", value.AsList().Select(Exact)) + "]",
        DynamoType.SS => "SS[" + string.Join(",", value.AsStringSet().Order(StringComparer.Ordinal)) + "]",
        DynamoType.NS => "NS[" + string.Join(",", value.AsNumberSet().Order(StringComparer.Ordinal)) + "]",
        DynamoType.BS => "BS[" + string.Join(",", value.AsBinarySet().Select(Convert.ToHexString).Order(StringComparer.Ordinal)) + "]",
        _ => throw new ArgumentOutOfRangeException(nameof(value), value.Type, "an attribute type the contract does not know"),
    };
}
