using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Replicator.StandIn;

/// <summary>
/// DynamoDB Streams' JSON protocol over the stand-in's one stream (<see cref="StreamSet"/>). What it
/// keeps of the real contract, because the poller depends on it:
/// <list type="bullet">
/// <item>DescribeStream in pages: <c>Limit</c> (default and most 100) shards after
/// <c>ExclusiveStartShardId</c>, <c>LastEvaluatedShardId</c> while more remain; closed shards with
/// an <c>EndingSequenceNumber</c>, children with their <c>ParentShardId</c>;</item>
/// <item>GetShardIterator: TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER;</item>
/// <item>GetRecords: at most <c>Limit</c> (most 1,000) records and about 1 MB, in order; a next
/// iterator on every page of an open shard, none on a closed shard's last page; with
/// <c>--shard-reads-per-second</c>, more calls than that on one shard in a second answer
/// <c>LimitExceededException</c> (DynamoDB's limit is 5);</item>
/// <item>records: MODIFY (INSERT for an item's first version) with NEW_AND_OLD_IMAGES of a
/// generated item, <c>ApproximateCreationDateTime</c> in whole epoch seconds (rounded down, as
/// DynamoDB does), sequence numbers that grow.</item>
/// </list>
/// Left out: iterator expiry (15 minutes), trimming after 24 hours (records are kept for the
/// run), shards leaving DescribeStream, splits into two children, empty pages in front of records,
/// and the stream's own latency (a record is readable the moment it is made).
/// </summary>
internal sealed class Streams(string streamArn, StreamSet stream, GeneratedItems items, int shardReadsPerSecond)
{
    private const int MaxRecordsPerPage = 1000;
    private const int PageBytes = 1024 * 1024;
    private const int MaxShardsPerPage = 100;
    private readonly Dictionary<int, (long Second, int Calls)> _reads = [];
    private long _getRecords;
    private long _emptyPages;
    private long _throttled;

    /// <summary>About the JSON bytes of one record (two images, the key and the envelope), for the 1 MB page.</summary>
    private int RecordBytes => (2 * items.MaxJsonBytes) + 420;

    public Reply Handle(string operation, ReadOnlyMemory<byte> body)
    {
        using var request = JsonDocument.Parse(body);
        var root = request.RootElement;
        return operation switch
        {
            "ListStreams" => ListStreams(),
            "DescribeStream" => Describe(root),
            "GetShardIterator" => Iterator(root),
            "GetRecords" => GetRecords(root),
            _ => Reply.Error("UnknownOperationException", $"{operation} is not served by the stand-in"),
        };
    }

    public void WriteTo(Utf8JsonWriter writer)
    {
        var shards = stream.All();
        var served = shards.Select(shard => shard.Served).Where(count => count > 0).DefaultIfEmpty(0).ToList();
        writer.WriteStartObject("streams");
        writer.WriteNumber("recordsWritten", stream.Written);
        writer.WriteNumber("recordsServed", served.Sum());
        writer.WriteNumber("shards", shards.Length);
        writer.WriteNumber("shardsOpen", shards.Count(shard => shard.EndingSequence < 0));
        writer.WriteNumber("rolls", stream.Rolls);
        writer.WriteNumber("servedPerShardMin", served.Min());
        writer.WriteNumber("servedPerShardMax", served.Max());
        writer.WriteNumber("getRecords", Interlocked.Read(ref _getRecords));
        writer.WriteNumber("emptyPages", Interlocked.Read(ref _emptyPages));
        writer.WriteNumber("throttled", Interlocked.Read(ref _throttled));
        writer.WriteEndObject();
    }

    public void Reset()
    {
        Interlocked.Exchange(ref _getRecords, 0);
        Interlocked.Exchange(ref _emptyPages, 0);
        Interlocked.Exchange(ref _throttled, 0);
    }

    private Reply ListStreams() => Reply.Json(writer =>
    {
        writer.WriteStartObject();
        writer.WriteStartArray("Streams");
        writer.WriteStartObject();
        writer.WriteString("StreamArn", streamArn);
        writer.WriteString("StreamLabel", Label);
        writer.WriteString("TableName", "source");
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
    });

    private string Label => streamArn[(streamArn.LastIndexOf('/') + 1)..];

    private Reply Describe(JsonElement root)
    {
        var limit = root.TryGetProperty("Limit", out var asked) ? asked.GetInt32() : MaxShardsPerPage;
        if (limit is < 1 or > MaxShardsPerPage)
        {
            return Reply.Error("ValidationException", $"Limit must be from 1 to {MaxShardsPerPage}, not {limit}");
        }

        var shards = stream.All();
        var from = 0;
        if (root.TryGetProperty("ExclusiveStartShardId", out var start) && start.GetString() is { } after)
        {
            from = Array.FindIndex(shards, shard => shard.ShardId == after) + 1;
        }

        var page = shards.Skip(from).Take(limit).ToList();
        return Reply.Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("StreamDescription");
            writer.WriteString("StreamArn", streamArn);
            writer.WriteString("StreamLabel", Label);
            writer.WriteString("StreamStatus", "ENABLED");
            writer.WriteString("StreamViewType", "NEW_AND_OLD_IMAGES");
            writer.WriteString("TableName", "source");
            writer.WriteStartArray("Shards");
            foreach (var shard in page)
            {
                writer.WriteStartObject();
                writer.WriteString("ShardId", shard.ShardId);
                if (shard.ParentShardId is { } parent)
                {
                    writer.WriteString("ParentShardId", parent);
                }

                writer.WriteStartObject("SequenceNumberRange");
                writer.WriteString("StartingSequenceNumber", shard.StartingSequence.ToString(CultureInfo.InvariantCulture));
                if (shard.EndingSequence is >= 0 and var ending)
                {
                    writer.WriteString("EndingSequenceNumber", ending.ToString(CultureInfo.InvariantCulture));
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (from + page.Count < shards.Length)
            {
                writer.WriteString("LastEvaluatedShardId", page[^1].ShardId);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        });
    }

    /// <summary>An iterator is <c>NUMBER/POSITION</c>: the shard's number and the index of the next record to read.</summary>
    private Reply Iterator(JsonElement root)
    {
        var id = root.GetProperty("ShardId").GetString() ?? "";
        var shard = stream.All().FirstOrDefault(candidate => candidate.ShardId == id);
        if (shard is null)
        {
            return Reply.Error("ResourceNotFoundException", $"Requested resource not found: Shard does not exist ({id})");
        }

        var type = root.GetProperty("ShardIteratorType").GetString();
        long Sequence() => long.Parse(root.GetProperty("SequenceNumber").GetString() ?? "", CultureInfo.InvariantCulture);
        var position = type switch
        {
            "TRIM_HORIZON" => 0,
            "LATEST" => shard.Count,
            "AT_SEQUENCE_NUMBER" => shard.PositionOf(Sequence(), after: false),
            "AFTER_SEQUENCE_NUMBER" => shard.PositionOf(Sequence(), after: true),
            _ => -1,
        };
        if (position < 0)
        {
            return Reply.Error("ValidationException", $"ShardIteratorType '{type}' is not one of TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER");
        }

        return Reply.Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("ShardIterator", $"{shard.Number}/{position}");
            writer.WriteEndObject();
        });
    }

    private Reply GetRecords(JsonElement root)
    {
        Interlocked.Increment(ref _getRecords);
        var iterator = root.GetProperty("ShardIterator").GetString() ?? "";
        var slash = iterator.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !int.TryParse(iterator.AsSpan(0, slash), CultureInfo.InvariantCulture, out var number) || !int.TryParse(iterator.AsSpan(slash + 1), CultureInfo.InvariantCulture, out var position)
            || stream.Find(number) is not { } shard)
        {
            return Reply.Error("ValidationException", $"Invalid ShardIterator '{iterator}'");
        }

        if (!Allowed(number))
        {
            Interlocked.Increment(ref _throttled);
            return Reply.Error("LimitExceededException", $"Rate exceeded for shard {shard.ShardId}");
        }

        var limit = root.TryGetProperty("Limit", out var asked) ? asked.GetInt32() : MaxRecordsPerPage;
        if (limit is < 1 or > MaxRecordsPerPage)
        {
            return Reply.Error("ValidationException", $"Limit must be from 1 to {MaxRecordsPerPage}, not {limit}");
        }

        var (records, end) = shard.Read(position, Math.Min(limit, PageBytes / RecordBytes));
        if (records.Count == 0)
        {
            Interlocked.Increment(ref _emptyPages);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(items.MaxJsonBytes + 64);
        try
        {
            return Reply.Json(writer =>
            {
                writer.WriteStartObject();
                writer.WriteStartArray("Records");
                foreach (var record in records)
                {
                    WriteRecord(writer, record, buffer);
                }

                writer.WriteEndArray();
                if (!end)
                {
                    writer.WriteString("NextShardIterator", $"{number}/{position + records.Count}");
                }

                writer.WriteEndObject();
            });
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void WriteRecord(Utf8JsonWriter writer, StreamRecord record, byte[] buffer)
    {
        var sequence = record.Sequence.ToString(CultureInfo.InvariantCulture);
        writer.WriteStartObject();
        writer.WriteString("eventID", sequence);
        writer.WriteString("eventName", record.Version == 1 ? "INSERT" : "MODIFY");
        writer.WriteString("eventVersion", "1.1");
        writer.WriteString("eventSource", "aws:dynamodb");
        writer.WriteString("awsRegion", "us-east-1");
        writer.WriteStartObject("dynamodb");
        writer.WriteNumber("ApproximateCreationDateTime", record.GeneratedMicros / 1_000_000);
        writer.WritePropertyName("Keys");
        writer.WriteRawValue(buffer.AsSpan(0, items.WriteKey(record.Item, buffer)), skipInputValidation: true);

        // The new image carries when the record was made, for the target's write to tell its lag.
        var length = items.Write(record.Item, record.Version, buffer) - 1;
        length += System.Text.Encoding.UTF8.GetBytes($",\"gen\":{{\"N\":\"{record.GeneratedMicros}\"}}}}", buffer.AsSpan(length));
        writer.WritePropertyName("NewImage");
        writer.WriteRawValue(buffer.AsSpan(0, length), skipInputValidation: true);
        if (record.Version > 1)
        {
            writer.WritePropertyName("OldImage");
            writer.WriteRawValue(buffer.AsSpan(0, items.Write(record.Item, record.Version - 1, buffer)), skipInputValidation: true);
        }

        writer.WriteString("SequenceNumber", sequence);
        writer.WriteNumber("SizeBytes", 2 * items.ItemBytes);
        writer.WriteString("StreamViewType", "NEW_AND_OLD_IMAGES");
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>At most <c>--shard-reads-per-second</c> GetRecords a shard in each second (0: any number).</summary>
    private bool Allowed(int shard)
    {
        if (shardReadsPerSecond <= 0)
        {
            return true;
        }

        var second = Environment.TickCount64 / 1000;
        lock (_reads)
        {
            var (at, calls) = _reads.GetValueOrDefault(shard);
            calls = at == second ? calls + 1 : 1;
            _reads[shard] = (second, calls);
            return calls <= shardReadsPerSecond;
        }
    }
}
