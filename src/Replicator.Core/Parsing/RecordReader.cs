using System.Text.Json;

namespace Replicator.Parsing;

/// <summary>
/// Reads a record's fields in one pass of the event's reader, where the record lies: the key into
/// values, the new image only checked (<see cref="ImageCheck"/>) and kept as its place in the
/// event, the old image skipped over, the rest of the envelope as the serializer would read it.
/// Whatever is not plain (a field of an unexpected JSON type, a value the check is not sure of, a
/// key that does not read) makes it answer false, and the parser reads the record the full way,
/// which gives the error with its path, or reads an odd but valid record.
/// </summary>
internal sealed class RecordReader
{
    private readonly NameHashes _names = new();
    private readonly RepeatedText _regions = new();
    private readonly RepeatedText _arns = new();

    /// <summary>Where the record being read starts in the event: the images' places are kept from there, as the full way keeps them.</summary>
    private int _recordStart;

    /// <summary>From the record's StartObject; on true, <paramref name="reader"/> is on its EndObject. The images' places are from the record's start.</summary>
    public bool TryRead(ref Utf8JsonReader reader, out StreamRecordDto record, out JsonSpan? newImage)
    {
        record = new StreamRecordDto();
        newImage = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        _recordStart = (int)reader.TokenStartIndex;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var good = reader.ValueTextEquals("dynamodb"u8) ? Body(ref reader, record, ref newImage)
                : reader.ValueTextEquals("eventID"u8) ? Text(ref reader, out var id) && Set(record.EventId = id)
                : reader.ValueTextEquals("eventName"u8) ? Text(ref reader, out var name) && Set(record.EventName = name)
                : reader.ValueTextEquals("awsRegion"u8) ? _regions.TryRead(ref reader, out var region) && Set(record.AwsRegion = region)
                : reader.ValueTextEquals("eventSourceARN"u8) ? _arns.TryRead(ref reader, out var arn) && Set(record.EventSourceArn = arn)
                : reader.ValueTextEquals("userIdentity"u8) ? Identity(ref reader, record)
                : Skip(ref reader);
            if (!good)
            {
                return false;
            }
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    private bool Body(ref Utf8JsonReader reader, StreamRecordDto record, ref JsonSpan? newImage)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var body = record.Dynamodb = new StreamRecordBodyDto();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool good;
            if (reader.ValueTextEquals("NewImage"u8))
            {
                good = reader.Read() && (reader.TokenType == JsonTokenType.Null || Image(ref reader, out newImage));
            }
            else if (reader.ValueTextEquals("Keys"u8))
            {
                good = Keys(ref reader, body);
            }
            else if (reader.ValueTextEquals("OldImage"u8))
            {
                good = reader.Read() && (reader.TokenType == JsonTokenType.Null || OldImage(ref reader, body));
            }
            else if (reader.ValueTextEquals("SequenceNumber"u8))
            {
                good = Text(ref reader, out var sequenceNumber) && Set(body.SequenceNumber = sequenceNumber);
            }
            else if (reader.ValueTextEquals("ApproximateCreationDateTime"u8))
            {
                good = reader.Read() && (reader.TokenType == JsonTokenType.Null || (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var time) && Set(body.ApproximateCreationDateTime = time)));
            }
            else if (reader.ValueTextEquals("SizeBytes"u8))
            {
                good = reader.Read() && (reader.TokenType == JsonTokenType.Null || (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var size) && Set(body.SizeBytes = size)));
            }
            else if (reader.ValueTextEquals("StreamViewType"u8))
            {
                good = Text(ref reader, out var viewType) && Set(body.StreamViewType = viewType);
            }
            else
            {
                good = Skip(ref reader);
            }

            if (!good)
            {
                return false;
            }
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    private bool Image(ref Utf8JsonReader reader, out JsonSpan? image)
    {
        var start = (int)reader.TokenStartIndex;
        image = null;
        if (!ImageCheck.IsPlain(ref reader, _names))
        {
            return false;
        }

        image = new JsonSpan(start - _recordStart, (int)reader.BytesConsumed - start);
        return true;
    }

    private bool OldImage(ref Utf8JsonReader reader, StreamRecordBodyDto body)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        body.OldImage = new JsonSpan(start - _recordStart, (int)reader.BytesConsumed - start);
        return true;
    }

    private static bool Keys(ref Utf8JsonReader reader, StreamRecordBodyDto body)
    {
        if (!reader.Read())
        {
            return false;
        }

        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        try
        {
            body.Keys = DynamoValueConverter.ReadItem(ref reader);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool Identity(ref Utf8JsonReader reader, StreamRecordDto record)
    {
        if (!reader.Read())
        {
            return false;
        }

        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var identity = record.UserIdentity = new UserIdentityDto();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var good = reader.ValueTextEquals("type"u8) ? Text(ref reader, out var type) && Set(identity.LambdaType = type)
                : reader.ValueTextEquals("principalId"u8) ? Text(ref reader, out var principal) && Set(identity.LambdaPrincipalId = principal)
                : reader.ValueTextEquals("Type"u8) ? Text(ref reader, out var streamsType) && Set(identity.StreamsType = streamsType)
                : reader.ValueTextEquals("PrincipalId"u8) ? Text(ref reader, out var streamsPrincipal) && Set(identity.StreamsPrincipalId = streamsPrincipal)
                : Skip(ref reader);
            if (!good)
            {
                return false;
            }
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    /// <summary>A string or null, as the serializer reads a <c>string?</c>.</summary>
    private static bool Text(ref Utf8JsonReader reader, out string? text)
    {
        text = null;
        if (!reader.Read())
        {
            return false;
        }

        if (reader.TokenType == JsonTokenType.String)
        {
            text = reader.GetString();
        }

        return reader.TokenType is JsonTokenType.String or JsonTokenType.Null;
    }

    private static bool Skip(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            return false;
        }

        reader.Skip();
        return true;
    }

    /// <summary>Lets an assignment stand in a chain of conditions.</summary>
    private static bool Set<T>(T _) => true;

    /// <summary>A field whose text repeats from record to record (the region, the stream's ARN): read once, shared after.</summary>
    private sealed class RepeatedText
    {
        private byte[] _utf8 = [];
        private string? _text;

        public bool TryRead(ref Utf8JsonReader reader, out string? text)
        {
            text = null;
            if (!reader.Read() || reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null))
            {
                return false;
            }

            if (reader.TokenType == JsonTokenType.Null)
            {
                return true;
            }

            if (!reader.ValueIsEscaped && _text is not null && reader.ValueSpan.SequenceEqual(_utf8))
            {
                text = _text;
                return true;
            }

            text = reader.GetString();
            if (!reader.ValueIsEscaped)
            {
                _utf8 = reader.ValueSpan.ToArray();
                _text = text;
            }

            return true;
        }
    }
}
