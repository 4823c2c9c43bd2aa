using System.Globalization;
using System.Text.Json;
using Replicator.Model;

namespace Replicator.Benchmarks;

/// <summary>
/// Deterministic (seeded) DynamoDB Streams events of the Lambda shape, with realistic items: 10 to
/// 50 attributes of every type (strings, numbers from small integers to 38 digits and exponents,
/// binary, booleans, null, maps nested three deep, lists of maps, and string, number and binary
/// sets), a composite key (S partition key, N sort key), and NEW_AND_OLD_IMAGES records: an
/// INSERT carries the new image, a MODIFY both images, a REMOVE the old image; about 1 in 20
/// removes is a time-to-live delete. Keys are drawn at random from a pool, so a key usually has
/// several records and coalescing has work to do.
/// </summary>
internal static class StreamBatches
{
    /// <summary>The shape of a generated batch, for reports.</summary>
    public sealed record Batch(byte[] Json, int Records, int DistinctKeys, int Puts, int Deletes);

    /// <summary>Records per key on average when a caller does not choose the key count.</summary>
    public const int DefaultRecordsPerKey = 4;

    /// <summary>The items' shape: <see cref="Realistic"/> as above (about 2 KB of JSON an image), or <see cref="Small"/>: the key and 8 scalar attributes (about 0.3 KB).</summary>
    public enum Items : byte { Realistic, Small }

    /// <summary>
    /// <paramref name="records"/> records over at most <paramref name="keys"/> keys. With keys equal to
    /// records every record has its own key (each is then an INSERT or, 1 in 10, a REMOVE, so
    /// the plan holds puts and deletes).
    /// </summary>
    public static Batch Generate(int records, int keys, int seed, Items items = Items.Realistic)
    {
        var random = new Random(seed);
        var state = new Dictionary<int, Dictionary<string, DynamoValue>?>();
        var distinct = new HashSet<int>();
        var lastKind = new Dictionary<int, string>();
        using var buffer = new MemoryStream(records * 4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("Records");
            for (var i = 0; i < records; i++)
            {
                var key = keys >= records ? i : random.Next(keys);
                distinct.Add(key);
                state.TryGetValue(key, out var old);
                string eventName;
                Dictionary<string, DynamoValue>? newImage;
                if (keys >= records)
                {
                    // Distinct keys: a tenth of them are deletes of items the stream never showed.
                    var remove = random.Next(10) == 0;
                    eventName = remove ? "REMOVE" : "INSERT";
                    old = remove ? Item(random, key, items) : null;
                    newImage = remove ? null : Item(random, key, items);
                }
                else if (old is null)
                {
                    eventName = "INSERT";
                    newImage = Item(random, key, items);
                }
                else if (random.Next(5) == 0)
                {
                    eventName = "REMOVE";
                    newImage = null;
                }
                else
                {
                    eventName = "MODIFY";
                    newImage = items == Items.Small ? Item(random, key, items) : Modified(random, old, key);
                }

                state[key] = newImage;
                lastKind[key] = eventName;
                var ttl = eventName == "REMOVE" && random.Next(20) == 0;
                WriteRecord(writer, random, i, eventName, KeyOf(key), newImage, old, ttl);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        var deletes = lastKind.Values.Count(kind => kind == "REMOVE");
        return new Batch(buffer.ToArray(), records, distinct.Count, distinct.Count - deletes, deletes);
    }

    private static void WriteRecord(
        Utf8JsonWriter writer,
        Random random,
        int index,
        string eventName,
        Dictionary<string, DynamoValue> key,
        Dictionary<string, DynamoValue>? newImage,
        Dictionary<string, DynamoValue>? oldImage,
        bool ttl)
    {
        writer.WriteStartObject();
        writer.WriteString("eventID", Hex(random, 16));
        writer.WriteString("eventName", eventName);
        writer.WriteString("eventVersion", "1.1");
        writer.WriteString("eventSource", "aws:dynamodb");
        writer.WriteString("awsRegion", "us-east-1");
        if (ttl)
        {
            writer.WriteStartObject("userIdentity");
            writer.WriteString("type", "Service");
            writer.WriteString("principalId", "dynamodb.amazonaws.com");
            writer.WriteEndObject();
        }

        writer.WriteStartObject("dynamodb");
        writer.WriteNumber("ApproximateCreationDateTime", 1_767_225_600 + (index / 50));
        writer.WritePropertyName("Keys");
        DynamoJson.WriteItem(writer, key);
        if (newImage is not null)
        {
            writer.WritePropertyName("NewImage");
            DynamoJson.WriteItem(writer, newImage);
        }

        if (oldImage is not null)
        {
            writer.WritePropertyName("OldImage");
            DynamoJson.WriteItem(writer, oldImage);
        }

        // Real sequence numbers are 21 to 40 digits; these are 30, increasing in stream order.
        writer.WriteString("SequenceNumber", "4962" + index.ToString("D26", CultureInfo.InvariantCulture));
        writer.WriteNumber("SizeBytes", 200 + random.Next(3000));
        writer.WriteString("StreamViewType", "NEW_AND_OLD_IMAGES");
        writer.WriteEndObject();
        writer.WriteString("eventSourceARN", "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000");
        writer.WriteEndObject();
    }

    public static Dictionary<string, DynamoValue> KeyOf(int key) => new(StringComparer.Ordinal)
    {
        ["pk"] = DynamoValue.String($"customer#{key / 3:D6}"),
        ["sk"] = DynamoValue.Number((1000 + (key % 3)).ToString(CultureInfo.InvariantCulture)),
    };

    /// <summary>An item of 10 to 50 attributes: the key, then a random selection of the table's attributes.</summary>
    private static Dictionary<string, DynamoValue> Item(Random random, int key, Items shape)
    {
        var item = KeyOf(key);
        if (shape == Items.Small)
        {
            foreach (var (name, make) in SmallAttributes)
            {
                item[name] = make(random);
            }

            return item;
        }

        var count = random.Next(10, 51) - item.Count;
        foreach (var index in Pick(random, Attributes.Length, count))
        {
            var (name, make) = Attributes[index];
            item[name] = make(random);
        }

        return item;
    }

    /// <summary>The old item with a few attributes changed, as an update would leave it.</summary>
    private static Dictionary<string, DynamoValue> Modified(Random random, Dictionary<string, DynamoValue> old, int key)
    {
        var item = new Dictionary<string, DynamoValue>(old, StringComparer.Ordinal);
        for (var changes = random.Next(1, 5); changes > 0; changes--)
        {
            var (name, make) = Attributes[random.Next(Attributes.Length)];
            item[name] = make(random);
        }

        foreach (var (name, value) in KeyOf(key))
        {
            item[name] = value;
        }

        return item;
    }

    private static IEnumerable<int> Pick(Random random, int of, int count)
    {
        var indexes = Enumerable.Range(0, of).ToArray();
        random.Shuffle(indexes);
        return indexes.Take(Math.Min(count, of)).Order();
    }

    private static readonly (string Name, Func<Random, DynamoValue> Make)[] Attributes =
    [
        ("status", r => S(r.GetItems<string>(["pending", "paid", "shipped", "delivered", "cancelled"], 1)[0])),
        ("email", r => S($"{Word(r)}.{Word(r)}@example.com")),
        ("name", r => S($"{Capital(r)} {Capital(r)}")),
        ("createdAt", r => S(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000 + r.Next(50_000_000)).ToString("O", CultureInfo.InvariantCulture))),
        ("updatedAtMs", r => N((1_700_000_000_000 + r.NextInt64(50_000_000_000)).ToString(CultureInfo.InvariantCulture))),
        ("price", r => N($"{r.Next(1, 100_000)}.{r.Next(100):D2}")),
        ("quantity", r => N(r.Next(1, 500).ToString(CultureInfo.InvariantCulture))),
        ("balance", r => N($"{Digits(r, 20)}.{Digits(r, 18)}")),
        ("ratio", r => N($"{r.Next(1, 10)}.{r.Next(1000):D3}E-{r.Next(1, 9)}")),
        ("temperature", r => N($"-{r.Next(40)}.{r.Next(10)}")),
        ("version", r => N(r.Next(1, 1000).ToString(CultureInfo.InvariantCulture))),
        ("avatar", r => B(Bytes(r, r.Next(32, 128)))),
        ("checksum", r => B(Bytes(r, 16))),
        ("active", r => DynamoValue.Bool(r.Next(2) == 0)),
        ("verified", r => DynamoValue.Bool(r.Next(2) == 0)),
        ("deletedAt", _ => DynamoValue.Null),
        ("nickname", _ => DynamoValue.Null),
        ("address", Address),
        ("billing", Address),
        ("preferences", r => M(new()
        {
            ["newsletter"] = DynamoValue.Bool(r.Next(2) == 0),
            ["language"] = S(r.GetItems<string>(["en", "pt", "de", "ja"], 1)[0]),
            ["channels"] = SS(r, 1, 4),
            ["quietHours"] = DynamoValue.List([N(r.Next(24).ToString(CultureInfo.InvariantCulture)), N(r.Next(24).ToString(CultureInfo.InvariantCulture))]),
            ["notifications"] = M(new() { ["email"] = DynamoValue.Bool(true), ["sms"] = DynamoValue.Bool(false), ["limit"] = N("10") }),
        })),
        ("lines", r => DynamoValue.List([.. Enumerable.Range(0, r.Next(1, 6)).Select(_ => M(new()
        {
            ["sku"] = S($"SKU-{r.Next(100_000):D5}"),
            ["qty"] = N(r.Next(1, 10).ToString(CultureInfo.InvariantCulture)),
            ["unitPrice"] = N($"{r.Next(1, 1000)}.{r.Next(100):D2}"),
            ["options"] = SS(r, 1, 3),
        }))])),
        ("history", r => DynamoValue.List([.. Enumerable.Range(0, r.Next(1, 5)).Select(i => i % 3 == 0 ? S(Word(r)) : i % 3 == 1 ? N(r.Next(1000).ToString(CultureInfo.InvariantCulture)) : DynamoValue.Bool(true))])),
        ("tags", r => SS(r, 1, 6)),
        ("categories", r => SS(r, 1, 4)),
        ("scores", r => DynamoValue.NumberSet([.. Enumerable.Range(0, r.Next(1, 6)).Select(i => $"{(i * 1000) + r.Next(1000)}.{r.Next(10)}")])),
        ("ids", r => DynamoValue.NumberSet([.. Enumerable.Range(0, r.Next(1, 6)).Select(i => (i * 1_000_000 + r.Next(1_000_000)).ToString(CultureInfo.InvariantCulture))])),
        ("keys", r => DynamoValue.BinarySet([.. Enumerable.Range(0, r.Next(1, 4)).Select(i => { var b = Bytes(r, 8 + r.Next(24)); b[0] = (byte)i; return b; })])),
        ("description", r => S(string.Join(' ', Enumerable.Range(0, r.Next(5, 30)).Select(_ => Word(r))))),
        ("notes", r => S(string.Join(' ', Enumerable.Range(0, r.Next(2, 12)).Select(_ => Word(r))) + " — ünïcödé ✓")),
        ("phone", r => S($"+1-555-{r.Next(10_000):D4}")),
        ("country", r => S(r.GetItems<string>(["PT", "US", "DE", "JP", "BR"], 1)[0])),
        ("currency", r => S(r.GetItems<string>(["EUR", "USD", "JPY", "BRL"], 1)[0])),
        ("loyaltyPoints", r => N(r.Next(100_000).ToString(CultureInfo.InvariantCulture))),
        ("discount", r => N($"0.{r.Next(1, 100):D2}")),
        ("weightKg", r => N($"{r.Next(50)}.{r.Next(1000):D3}")),
        ("expiresAt", r => N((1_800_000_000 + r.Next(10_000_000)).ToString(CultureInfo.InvariantCulture))),
        ("sessionToken", r => S(Hex(r, 24))),
        ("referrer", r => S($"https://{Word(r)}.example.org/{Word(r)}?utm={Word(r)}")),
        ("device", r => M(new()
        {
            ["os"] = S(r.GetItems<string>(["ios", "android", "web"], 1)[0]),
            ["version"] = S($"{r.Next(20)}.{r.Next(10)}.{r.Next(10)}"),
            ["fingerprint"] = B(Bytes(r, 20)),
            ["screen"] = M(new() { ["w"] = N(r.Next(320, 3840).ToString(CultureInfo.InvariantCulture)), ["h"] = N(r.Next(480, 2160).ToString(CultureInfo.InvariantCulture)) }),
        })),
        ("attachments", r => DynamoValue.List([.. Enumerable.Range(0, r.Next(0, 3)).Select(_ => B(Bytes(r, r.Next(16, 64))))])),
        ("flags", r => DynamoValue.List([DynamoValue.Bool(true), DynamoValue.Null, N("0"), S(Word(r))])),
        ("matrix", r => DynamoValue.List([.. Enumerable.Range(0, 3).Select(_ => DynamoValue.List([.. Enumerable.Range(0, 3).Select(_ => N(r.Next(-9, 10).ToString(CultureInfo.InvariantCulture)))]))])),
        ("precise", r => N($"0.{Digits(r, 37)}")),
        ("big", r => N($"{Digits(r, 38)}")),
        ("scientific", r => N($"{r.Next(1, 10)}.{r.Next(100):D2}E+{r.Next(10, 120)}")),
        ("counter", r => N(r.Next(1_000_000).ToString(CultureInfo.InvariantCulture))),
        ("region", r => S(r.GetItems<string>(["us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1"], 1)[0])),
        ("owner", r => S($"user#{r.Next(1_000_000):D7}")),
        ("etag", r => S(Hex(r, 8))),
        ("score", r => N($"{r.Next(100)}.{r.Next(100)}")),
        ("archived", r => DynamoValue.Bool(r.Next(10) == 0)),
        ("labels", r => SS(r, 1, 5)),
        ("thumbnail", r => B(Bytes(r, r.Next(64, 256)))),
        ("metadata", r => M(new()
        {
            ["source"] = S(Word(r)),
            ["attempts"] = N(r.Next(5).ToString(CultureInfo.InvariantCulture)),
            ["trace"] = M(new() { ["id"] = S(Hex(r, 16)), ["sampled"] = DynamoValue.Bool(r.Next(2) == 0), ["spans"] = DynamoValue.NumberSet(["1", "2", "3"]) }),
        })),
    ];

    private static readonly (string Name, Func<Random, DynamoValue> Make)[] SmallAttributes =
        [.. new[] { "status", "email", "createdAt", "price", "quantity", "active", "country", "version" }.Select(name => Attributes.Single(attribute => attribute.Name == name))];

    private static DynamoValue Address(Random r) => M(new()
    {
        ["street"] = S($"{r.Next(1, 999)} {Capital(r)} Street"),
        ["city"] = S(Capital(r)),
        ["zip"] = S($"{r.Next(100_000):D5}"),
        ["geo"] = M(new() { ["lat"] = N($"{r.Next(-89, 90)}.{r.Next(1_000_000):D6}"), ["lon"] = N($"{r.Next(-179, 180)}.{r.Next(1_000_000):D6}") }),
    });

    private static readonly string[] Words =
        ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango"];

    private static DynamoValue S(string value) => DynamoValue.String(value);

    private static DynamoValue N(string value) => DynamoValue.Number(value);

    private static DynamoValue B(byte[] value) => DynamoValue.Binary(value);

    private static DynamoValue M(Dictionary<string, DynamoValue> value) => DynamoValue.Map(value);

    private static DynamoValue SS(Random r, int min, int max) =>
        DynamoValue.StringSet([.. Enumerable.Range(0, r.Next(min, max + 1)).Select(i => $"{Word(r)}-{i}")]);

    private static string Word(Random r) => Words[r.Next(Words.Length)];

    private static string Capital(Random r)
    {
        var word = Word(r);
        return string.Concat(char.ToUpperInvariant(word[0]).ToString(), word[1..]);
    }

    private static string Digits(Random r, int count) =>
        string.Create(count, r, static (span, random) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (char)('0' + (i == 0 ? random.Next(1, 10) : random.Next(10)));
            }
        });

    private static byte[] Bytes(Random r, int count)
    {
        var bytes = new byte[count];
        r.NextBytes(bytes);
        return bytes;
    }

    private static string Hex(Random r, int bytes) => Convert.ToHexStringLower(Bytes(r, bytes));
}
