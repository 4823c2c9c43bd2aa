using System.Globalization;
using System.Text.Json;
using Replicator.Model;

namespace Replicator.Parsing;

/// <summary>The parsed records of one batch, in stream order, and the ones that could not be read.</summary>
public sealed record ParsedBatch(IReadOnlyList<ChangeRecord> Records, IReadOnlyList<MalformedRecord> Malformed)
{
    /// <summary>A GetRecords response's <c>NextShardIterator</c>, read in the same pass (null at a closed shard's end, and in a Lambda event).</summary>
    public string? NextShardIterator { get; init; }

    public int Count => Records.Count + Malformed.Count;
}

/// <summary>
/// A record that could not be read. It is never dropped: it is dead-lettered whole, or reported
/// as a failure at its sequence number.
/// </summary>
public sealed record MalformedRecord(int Index, string? EventId, SequenceNumber? SequenceNumber, string Error, ReadOnlyMemory<byte> Raw)
{
    /// <summary>"Records[3] (eventID …, SequenceNumber …)": how messages name it.</summary>
    public string Name => StreamEventParser.NameOf(Index, EventId, SequenceNumber?.Value);
}

/// <summary>The event as a whole is unreadable (not JSON, or no Records array).</summary>
public sealed class MalformedEventException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads a DynamoDB Streams event: the Lambda event (<c>{"Records":[…]}</c>) or a GetRecords
/// response, which has the same record shape. Each record is read on its own, so one malformed
/// record is reported by name and path while its neighbours go on.
/// </summary>
public static class StreamEventParser
{
    /// <summary>
    /// JSON depth allowed: DynamoDB's 32 levels of nesting take two JSON levels each, plus the
    /// envelope. Deeper values are refused by the attribute reader with a clearer message.
    /// </summary>
    internal const int MaxJsonDepth = 2 * ReplicationOptions.MaxNestingDepth + 16;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxJsonDepth };

    /// <summary>The earliest and latest times a <see cref="DateTimeOffset"/> holds, as Unix milliseconds.</summary>
    private static readonly double MinUnixMilliseconds = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();

    private static readonly double MaxUnixMilliseconds = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    public static ParsedBatch Parse(ReadOnlyMemory<byte> utf8Json)
    {
        var records = new List<ChangeRecord>();
        var malformed = new List<MalformedRecord>();
        string? nextShardIterator = null;
        var reader = new Utf8JsonReader(utf8Json.Span, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new MalformedEventException("The event is not a JSON object; expected {\"Records\":[…]}.");
            }

            var sawRecords = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("NextShardIterator"u8))
                {
                    reader.Read();
                    nextShardIterator = reader.TokenType == JsonTokenType.String ? reader.GetString()
                        : reader.TokenType == JsonTokenType.Null ? null
                        : throw new MalformedEventException($"\"NextShardIterator\" is {reader.TokenType}, not a string.");
                    continue;
                }

                if (!reader.ValueTextEquals("Records"u8))
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }

                sawRecords = true;
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    throw new MalformedEventException($"\"Records\" is {reader.TokenType}, not an array.");
                }

                var fields = new RecordReader();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    ReadRecord(ref reader, utf8Json, records.Count + malformed.Count, fields, records, malformed);
                }
            }

            if (!sawRecords)
            {
                throw new MalformedEventException("The event has no \"Records\" array; expected {\"Records\":[…]}.");
            }
        }
        catch (JsonException e)
        {
            throw new MalformedEventException($"The event is not valid JSON: {e.Message}", e);
        }

        return new ParsedBatch(records, malformed) { NextShardIterator = nextShardIterator };
    }

    private static void ReadRecord(ref Utf8JsonReader reader, ReadOnlyMemory<byte> json, int index, RecordReader fields, List<ChangeRecord> records, List<MalformedRecord> malformed)
    {
        var start = (int)reader.TokenStartIndex;
        var atStart = reader;
        var plain = fields.TryRead(ref reader, out var dto, out var newImage);
        if (!plain)
        {
            // Read again from the start, skipping: a syntax error makes the whole event unreadable.
            reader = atStart;
            reader.Skip();
        }

        var raw = json[start..(int)reader.BytesConsumed];
        try
        {
            // The full way reads from the record's own bytes: a reader handed to the serializer
            // would be scanned to the record's end once more before it is read.
            records.Add(plain
                ? ToChangeRecord(dto, raw, newImage is { } image ? new RawImage(raw.Slice(image.Start, image.Length), namesUnique: true) : null)
                : ToChangeRecord(JsonSerializer.Deserialize(raw.Span, StreamEventJsonContext.Default.StreamRecordDto) ?? throw new RecordException("$", "the record is null"), raw, null));
        }
        catch (Exception e) when (e is JsonException or RecordException or ArgumentException or FormatException or OverflowException)
        {
            // Whatever one record's content makes go wrong stays with that record.
            var (eventId, sequenceNumber) = Identify(raw);
            var error = $"{NameOf(index, eventId, sequenceNumber?.Value)} at {PathOf(e, index)}: {ReasonOf(e)}";
            malformed.Add(new MalformedRecord(index, eventId, sequenceNumber, error, raw));
        }
    }

    private static ChangeRecord ToChangeRecord(StreamRecordDto dto, ReadOnlyMemory<byte> raw, RawImage? newImage)
    {
        var body = dto.Dynamodb ?? throw new RecordException("$.dynamodb", "the record has no \"dynamodb\" object");
        if (!SequenceNumber.TryParse(body.SequenceNumber, out var sequenceNumber))
        {
            throw new RecordException("$.dynamodb.SequenceNumber", body.SequenceNumber is null
                ? "the record has no SequenceNumber"
                : $"\"{body.SequenceNumber}\" is not a sequence number (decimal digits)");
        }

        var kind = dto.EventName switch
        {
            "INSERT" => ChangeKind.Insert,
            "MODIFY" => ChangeKind.Modify,
            "REMOVE" => ChangeKind.Remove,
            null => throw new RecordException("$.eventName", "the record has no eventName"),
            var other => throw new RecordException("$.eventName", $"\"{other}\" is not INSERT, MODIFY or REMOVE"),
        };

        if (body.Keys is not { Count: > 0 } keys)
        {
            throw new RecordException("$.dynamodb.Keys", "the record has no Keys");
        }

        var viewType = body.StreamViewType switch
        {
            "KEYS_ONLY" => StreamViewType.KeysOnly,
            "NEW_IMAGE" => StreamViewType.NewImage,
            "OLD_IMAGE" => StreamViewType.OldImage,
            "NEW_AND_OLD_IMAGES" => StreamViewType.NewAndOldImages,
            null => StreamViewType.Unknown,
            var other => throw new RecordException("$.dynamodb.StreamViewType", $"\"{other}\" is not KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES"),
        };

        var isTtlDelete = kind == ChangeKind.Remove
            && dto.UserIdentity is { Type: "Service", PrincipalId: ReplicationOptions.TtlPrincipal };

        return new ChangeRecord(
            EventId: dto.EventId ?? "",
            Kind: kind,
            SequenceNumber: sequenceNumber,
            Key: new ItemKey(keys),
            NewImage: (IReadOnlyDictionary<string, DynamoValue>?)newImage ?? body.NewImage,
            OldImage: body.OldImage is { } old ? new RawImage(raw.Slice(old.Start, old.Length)) : null,
            ApproximateCreationTime: CreationTime(body.ApproximateCreationDateTime),
            SourceRegion: dto.AwsRegion,
            EventSourceArn: dto.EventSourceArn,
            ViewType: viewType,
            SizeBytes: body.SizeBytes ?? 0,
            IsTtlDelete: isTtlDelete,
            Raw: raw);
    }

    /// <summary>
    /// ApproximateCreationDateTime is epoch seconds (whole, or fractional) by default, and epoch
    /// milliseconds when the stream is set to millisecond precision. Any value above 10^11 is read
    /// as milliseconds: as seconds it would be past the year 5000. A value outside what a date can
    /// hold (years 1 to 9999) makes the record malformed.
    /// </summary>
    internal static DateTimeOffset? CreationTime(double? value)
    {
        if (value is not { } number)
        {
            return null;
        }

        var milliseconds = Math.Round(number > 1e11 ? number : number * 1000);
        if (!double.IsFinite(milliseconds) || milliseconds < MinUnixMilliseconds || milliseconds > MaxUnixMilliseconds)
        {
            throw new RecordException(
                "$.dynamodb.ApproximateCreationDateTime",
                $"{number.ToString("R", CultureInfo.InvariantCulture)} is not a time (epoch seconds or milliseconds between the years 1 and 9999)");
        }

        return DateTimeOffset.FromUnixTimeMilliseconds((long)milliseconds);
    }

    private static (string? EventId, SequenceNumber? SequenceNumber) Identify(ReadOnlyMemory<byte> raw)
    {
        try
        {
            var identity = JsonSerializer.Deserialize(raw.Span, StreamEventJsonContext.Default.RecordIdentityDto);
            return (identity?.EventId, SequenceNumber.TryParse(identity?.Dynamodb?.SequenceNumber, out var number) ? number : null);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    internal static string NameOf(int index, string? eventId, string? sequenceNumber) =>
        $"Records[{index}] (eventID {eventId ?? "missing"}, SequenceNumber {sequenceNumber ?? "missing"})";

    private static string PathOf(Exception e, int index)
    {
        var path = e switch
        {
            RecordException record => record.Path,
            JsonException json => (json.Path ?? "$") + (json.InnerException as AttributeValueException ?? json as AttributeValueException)?.InnerPath,
            _ => "$",
        };
        return $"Records[{index}]{path.TrimStart('$')}";
    }

    private static string ReasonOf(Exception e) => e switch
    {
        AttributeValueException value => value.Reason,
        JsonException { InnerException: AttributeValueException value } => value.Reason,
        _ => e.Message,
    };

    private sealed class RecordException(string path, string message) : Exception(message)
    {
        public string Path { get; } = path;
    }
}
