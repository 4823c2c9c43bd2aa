using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Replicator.StandIn;

/// <summary>
/// DynamoDB's JSON protocol for tables of generated items (<see cref="GeneratedItems"/>): every
/// table name holds the same items, and writes are counted, checked against the service's limits,
/// and dropped. What it keeps of the real contract, because the benchmarks depend on it:
/// <list type="bullet">
/// <item>Scan: segments of a parallel scan (item <c>i</c> is in segment <c>i % TotalSegments</c>),
/// pages of at most 1 MB of items as read before a projection (so a keys-only page holds as many
/// items as a full one) or <c>Limit</c>, <c>LastEvaluatedKey</c> while more remain;</item>
/// <item>BatchGetItem: at most 100 keys, the items found, absent keys left out;</item>
/// <item>BatchWriteItem: at most 25 requests; with a write capacity, what it cannot take comes back
/// in <c>UnprocessedItems</c> as it was sent, and nothing at all is a
/// <c>ProvisionedThroughputExceededException</c>;</item>
/// <item>consumed capacity, when asked: 1 read unit per 4 KB of a strongly consistent read (a
/// Scan's items summed, a BatchGetItem's item by item), 1 write unit per KB of an item.</item>
/// </list>
/// Left out: storage (a write is not read back), conditions, filters, indexes, eventual
/// consistency, the 16 MB answer limit of BatchGetItem (never reached with these items), and
/// partitions (capacity is the table's, not split over partitions).
/// </summary>
internal sealed class Tables(GeneratedItems items, double readUnits, double writeUnits, Stats stats, string streamArn)
{
    private const int PageBytes = 1024 * 1024;
    private const int MaxBatchGetKeys = 100;
    private const int MaxBatchWriteRequests = 25;
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 128 };

    private readonly Dictionary<string, (Capacity Read, Capacity Write)> _capacity = new(StringComparer.Ordinal);

    /// <summary>Where a written item that carries <c>gen</c> (made by the stand-in's stream) records its lag.</summary>
    public Lags? Lags { get; init; }

    public Reply Handle(string operation, ReadOnlyMemory<byte> body) => operation switch
    {
        "DescribeTable" => Describe(body),
        "Scan" => Scan(body),
        "BatchGetItem" => BatchGet(body),
        "GetItem" => Get(body),
        "BatchWriteItem" => BatchWrite(body.Span),
        "PutItem" or "DeleteItem" or "UpdateItem" => WriteOne(body),
        _ => Reply.Error("UnknownOperationException", $"{operation} is not served by the stand-in"),
    };

    private (Capacity Read, Capacity Write) CapacityOf(string table)
    {
        lock (_capacity)
        {
            if (!_capacity.TryGetValue(table, out var capacity))
            {
                _capacity[table] = capacity = (new Capacity(readUnits), new Capacity(writeUnits));
            }

            return capacity;
        }
    }

    private Reply Describe(ReadOnlyMemory<byte> body)
    {
        using var request = JsonDocument.Parse(body);
        var table = request.RootElement.GetProperty("TableName").GetString()!;
        var name = table.Contains(":table/", StringComparison.Ordinal) ? table[(table.LastIndexOf('/') + 1)..] : table;
        return Reply.Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("Table");
            writer.WriteString("TableName", name);
            writer.WriteString("TableArn", $"arn:aws:dynamodb:us-east-1:123456789012:table/{name}");
            writer.WriteString("TableStatus", "ACTIVE");
            writer.WriteNumber("CreationDateTime", 1_700_000_000);
            writer.WriteNumber("ItemCount", items.Count);
            writer.WriteNumber("TableSizeBytes", items.Count * items.ItemBytes);
            writer.WriteStartArray("KeySchema");
            writer.WriteStartObject();
            writer.WriteString("AttributeName", GeneratedItems.KeyAttribute);
            writer.WriteString("KeyType", "HASH");
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteStartArray("AttributeDefinitions");
            writer.WriteStartObject();
            writer.WriteString("AttributeName", GeneratedItems.KeyAttribute);
            writer.WriteString("AttributeType", "S");
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteStartObject("BillingModeSummary");
            writer.WriteString("BillingMode", readUnits > 0 || writeUnits > 0 ? "PROVISIONED" : "PAY_PER_REQUEST");
            writer.WriteEndObject();
            writer.WriteStartObject("StreamSpecification");
            writer.WriteBoolean("StreamEnabled", true);
            writer.WriteString("StreamViewType", "NEW_AND_OLD_IMAGES");
            writer.WriteEndObject();
            writer.WriteString("LatestStreamArn", streamArn);
            writer.WriteString("LatestStreamLabel", streamArn[(streamArn.LastIndexOf('/') + 1)..]);
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
    }

    private Reply Scan(ReadOnlyMemory<byte> body)
    {
        using var request = JsonDocument.Parse(body);
        var root = request.RootElement;
        var table = root.GetProperty("TableName").GetString()!;
        var segment = root.TryGetProperty("Segment", out var s) ? s.GetInt32() : 0;
        var total = root.TryGetProperty("TotalSegments", out var t) ? t.GetInt32() : 1;
        if (total < 1 || total > 1_000_000 || segment < 0 || segment >= total)
        {
            return Reply.Error("ValidationException", $"Segment {segment} of TotalSegments {total} is out of range");
        }

        var capacity = CapacityOf(table).Read;
        if (!capacity.HasAny())
        {
            stats.Throttled();
            return Reply.Throttled();
        }

        var keysOnly = root.TryGetProperty("ProjectionExpression", out _);
        var limit = Math.Max(1, PageBytes / items.ItemBytes);
        if (root.TryGetProperty("Limit", out var l))
        {
            limit = Math.Min(limit, l.GetInt32());
        }

        long next = segment;
        if (root.TryGetProperty("ExclusiveStartKey", out var start))
        {
            var after = GeneratedItems.IndexOf(start.GetProperty(GeneratedItems.KeyAttribute).GetProperty("S").GetString());
            if (after < 0 || after % total != segment)
            {
                return Reply.Error("ValidationException", "The provided starting key is invalid");
            }

            next = after + total;
        }

        var count = (int)Math.Clamp((items.Count - next + total - 1) / total, 0, limit);
        var more = next + ((long)count * total) < items.Count;
        var units = Math.Ceiling((double)count * items.ItemBytes / 4096);
        capacity.Take(units, partial: false);
        stats.Read(count);
        var consumed = Consumed(root, table, units);
        return Reply.Ok(256 + consumed.Length + ((count + 1) * items.MaxJsonBytes), into =>
        {
            var at = Put("{\"Items\":["u8, into, 0);
            for (var i = 0; i < count; i++)
            {
                if (i > 0)
                {
                    into[at++] = (byte)',';
                }

                var index = next + ((long)i * total);
                at += keysOnly ? items.WriteKey(index, into[at..]) : items.Write(index, 0, into[at..]);
            }

            at = Put("],\"Count\":"u8, into, at);
            at = Number(count, into, at);
            at = Put(",\"ScannedCount\":"u8, into, at);
            at = Number(count, into, at);
            if (more)
            {
                at = Put(",\"LastEvaluatedKey\":"u8, into, at);
                at += items.WriteKey(next + ((long)(count - 1) * total), into[at..]);
            }

            at = Put(consumed, into, at);
            return Put("}"u8, into, at);
        });
    }

    private Reply BatchGet(ReadOnlyMemory<byte> body)
    {
        using var request = JsonDocument.Parse(body);
        var tables = request.RootElement.GetProperty("RequestItems").EnumerateObject().ToList();
        var keyCount = tables.Sum(table => table.Value.GetProperty("Keys").GetArrayLength());
        if (keyCount > MaxBatchGetKeys)
        {
            return Reply.Error("ValidationException", $"Too many items requested for the BatchGetItem call ({keyCount}, at most {MaxBatchGetKeys})");
        }

        var found = new List<(string Table, bool KeysOnly, List<long> Indexes)>();
        var unprocessed = new List<(string Table, List<string> Keys)>();
        var any = false;
        foreach (var table in tables)
        {
            var capacity = CapacityOf(table.Name).Read;
            var keysOnly = table.Value.TryGetProperty("ProjectionExpression", out _);
            var indexes = new List<long>();
            var left = new List<string>();
            foreach (var key in table.Value.GetProperty("Keys").EnumerateArray())
            {
                var text = key.GetProperty(GeneratedItems.KeyAttribute).GetProperty("S").GetString();
                if (capacity.Take(Math.Ceiling(items.ItemBytes / 4096.0), partial: false) == 0)
                {
                    left.Add(key.GetRawText());
                    continue;
                }

                any = true;
                var index = GeneratedItems.IndexOf(text);
                if (items.Holds(index))
                {
                    indexes.Add(index);
                }
            }

            found.Add((table.Name, keysOnly, indexes));
            if (left.Count > 0)
            {
                unprocessed.Add((table.Name, left));
            }
        }

        if (!any && keyCount > 0)
        {
            stats.Throttled();
            return Reply.Throttled();
        }

        stats.Unprocessed(unprocessed.Sum(table => table.Keys.Count));
        stats.Read(found.Sum(table => table.Indexes.Count));
        var unprocessedJson = Encoding.UTF8.GetBytes(string.Join(",", unprocessed.Select(table => $"{JsonSerializer.Serialize(table.Table)}:{{\"Keys\":[{string.Join(",", table.Keys)}],\"ConsistentRead\":true}}")));
        return Reply.Ok(256 + unprocessedJson.Length + found.Sum(table => (table.Table.Length + 16 + (table.Indexes.Count * items.MaxJsonBytes))), into =>
        {
            var at = Put("{\"Responses\":{"u8, into, 0);
            for (var t = 0; t < found.Count; t++)
            {
                var (table, keysOnly, indexes) = found[t];
                at = Put(t == 0 ? ""u8 : ","u8, into, at);
                at += Encoding.UTF8.GetBytes(JsonSerializer.Serialize(table), into[at..]);
                at = Put(":["u8, into, at);
                for (var i = 0; i < indexes.Count; i++)
                {
                    at = Put(i == 0 ? ""u8 : ","u8, into, at);
                    at += keysOnly ? items.WriteKey(indexes[i], into[at..]) : items.Write(indexes[i], 0, into[at..]);
                }

                at = Put("]"u8, into, at);
            }

            at = Put("},\"UnprocessedKeys\":{"u8, into, at);
            at = Put(unprocessedJson, into, at);
            return Put("}}"u8, into, at);
        });
    }

    private Reply Get(ReadOnlyMemory<byte> body)
    {
        using var request = JsonDocument.Parse(body);
        var index = GeneratedItems.IndexOf(request.RootElement.GetProperty("Key").GetProperty(GeneratedItems.KeyAttribute).GetProperty("S").GetString());
        if (!items.Holds(index))
        {
            return Reply.Text("{}");
        }

        stats.Read(1);
        return Reply.Ok(32 + items.MaxJsonBytes, into =>
        {
            var at = Put("{\"Item\":"u8, into, 0);
            at += items.Write(index, 0, into[at..]);
            return Put("}"u8, into, at);
        });
    }

    private Reply WriteOne(ReadOnlyMemory<byte> body)
    {
        using var request = JsonDocument.Parse(body);
        var capacity = CapacityOf(request.RootElement.GetProperty("TableName").GetString()!).Write;
        if (capacity.Take(Math.Ceiling(body.Length / 1024.0), partial: false) == 0)
        {
            stats.Throttled();
            return Reply.Throttled();
        }

        stats.Written(1, body.Length);
        Lags?.Written(body.Span);
        return Reply.Text("{}");
    }

    /// <summary>
    /// <c>{"RequestItems":{"t":[{"PutRequest":{"Item":{…}}},{"DeleteRequest":{"Key":{…}}}]},"ReturnConsumedCapacity":"TOTAL"}</c>,
    /// read once: each request's DynamoDB size as it goes (for its write units), and its bytes, to
    /// send back as it came when the capacity cannot take it.
    /// </summary>
    private Reply BatchWrite(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, ReaderOptions);
        var tables = new List<(string Table, int Written, double Units, List<(int Start, int End)> Left)>();
        var requests = 0;
        var consumedWanted = false;
        long bytes = 0;
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("ReturnConsumedCapacity"u8))
            {
                reader.Read();
                consumedWanted = !reader.ValueTextEquals("NONE"u8);
                continue;
            }

            if (!reader.ValueTextEquals("RequestItems"u8))
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var table = reader.GetString()!;
                var capacity = CapacityOf(table).Write;
                var written = 0;
                double units = 0;
                var left = new List<(int, int)>();
                reader.Read();
                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Read();
                    var isPut = reader.ValueTextEquals("PutRequest"u8);
                    reader.Read();
                    reader.Read();
                    reader.Read();
                    var size = isPut ? ItemSize(ref reader) : items.ItemBytes;
                    if (!isPut)
                    {
                        reader.Skip();
                    }

                    reader.Read();
                    reader.Read();
                    requests++;
                    var cost = Math.Ceiling(size / 1024.0);
                    if (capacity.Take(cost, partial: false) == 0)
                    {
                        left.Add((start, (int)reader.BytesConsumed));
                        continue;
                    }

                    written++;
                    Lags?.Written(body[start..(int)reader.BytesConsumed]);
                    units += cost;
                    bytes += size;
                }

                tables.Add((table, written, units, left));
            }
        }

        if (requests > MaxBatchWriteRequests)
        {
            return Reply.Error("ValidationException", $"Too many items requested for the BatchWriteItem call ({requests}, at most {MaxBatchWriteRequests})");
        }

        var writtenAll = tables.Sum(table => table.Written);
        if (writtenAll == 0 && requests > 0)
        {
            stats.Throttled();
            return Reply.Throttled();
        }

        stats.Written(writtenAll, bytes);
        var unprocessed = tables.Where(table => table.Left.Count > 0).ToList();
        stats.Unprocessed(unprocessed.Sum(table => table.Left.Count));
        var text = new StringBuilder("{\"UnprocessedItems\":{");
        for (var t = 0; t < unprocessed.Count; t++)
        {
            text.Append(t == 0 ? "" : ",").Append(JsonSerializer.Serialize(unprocessed[t].Table)).Append(":[");
            for (var i = 0; i < unprocessed[t].Left.Count; i++)
            {
                var (start, end) = unprocessed[t].Left[i];
                text.Append(i == 0 ? "" : ",").Append(Encoding.UTF8.GetString(body[start..end]));
            }

            text.Append(']');
        }

        text.Append('}');
        if (consumedWanted)
        {
            text.Append(",\"ConsumedCapacity\":[").AppendJoin(",", tables.Select(table => $"{{\"TableName\":{JsonSerializer.Serialize(table.Table)},\"CapacityUnits\":{table.Units}}}")).Append(']');
        }

        return Reply.Text(text.Append('}').ToString());
    }

    /// <summary>
    /// About an item's size as DynamoDB counts it: its names and values (strings, numbers and
    /// binary by the bytes of their text, 1 for a boolean or null, 3 more for a list or map). Reads
    /// the item's object whole. Type tags are the names an even number of levels below the item.
    /// </summary>
    private static long ItemSize(ref Utf8JsonReader reader)
    {
        long size = 0;
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName when (reader.CurrentDepth - depth) % 2 == 0:
                    size += reader.ValueTextEquals("L"u8) || reader.ValueTextEquals("M"u8) ? 3 : 0;
                    break;
                case JsonTokenType.PropertyName or JsonTokenType.String:
                    size += reader.ValueSpan.Length;
                    break;
                case JsonTokenType.True or JsonTokenType.False:
                    size += 1;
                    break;
            }
        }

        return size;
    }

    private static byte[] Consumed(JsonElement root, string table, double units) =>
        root.TryGetProperty("ReturnConsumedCapacity", out var wanted) && wanted.GetString() != "NONE"
            ? Encoding.UTF8.GetBytes($",\"ConsumedCapacity\":{{\"TableName\":{JsonSerializer.Serialize(table)},\"CapacityUnits\":{units}}}")
            : [];

    private static int Put(ReadOnlySpan<byte> what, Span<byte> into, int at)
    {
        what.CopyTo(into[at..]);
        return at + what.Length;
    }

    private static int Number(long value, Span<byte> into, int at)
    {
        Utf8Formatter.TryFormat(value, into[at..], out var written);
        return at + written;
    }
}
