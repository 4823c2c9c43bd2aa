using System.Text.Json.Serialization;
using Replicator.Model;

namespace Replicator.Parsing;

// Wire shapes of a DynamoDB Streams record, as the Lambda event and GetRecords send them.
// Only the parser sees these; the engine works on ChangeRecord.

internal sealed class StreamRecordDto
{
    [JsonPropertyName("eventID")]
    public string? EventId { get; set; }

    [JsonPropertyName("eventName")]
    public string? EventName { get; set; }

    [JsonPropertyName("eventVersion")]
    public string? EventVersion { get; set; }

    [JsonPropertyName("eventSource")]
    public string? EventSource { get; set; }

    [JsonPropertyName("awsRegion")]
    public string? AwsRegion { get; set; }

    [JsonPropertyName("eventSourceARN")]
    public string? EventSourceArn { get; set; }

    [JsonPropertyName("userIdentity")]
    public UserIdentityDto? UserIdentity { get; set; }

    [JsonPropertyName("dynamodb")]
    public StreamRecordBodyDto? Dynamodb { get; set; }
}

/// <summary>
/// Who made the change. The Lambda event spells the fields <c>type</c>/<c>principalId</c>; the
/// Streams API (GetRecords) spells them <c>Type</c>/<c>PrincipalId</c>. Either is read.
/// </summary>
internal sealed class UserIdentityDto
{
    [JsonPropertyName("type")]
    public string? LambdaType { get; set; }

    [JsonPropertyName("principalId")]
    public string? LambdaPrincipalId { get; set; }

    [JsonPropertyName("Type")]
    public string? StreamsType { get; set; }

    [JsonPropertyName("PrincipalId")]
    public string? StreamsPrincipalId { get; set; }

    [JsonIgnore]
    public string? Type => LambdaType ?? StreamsType;

    [JsonIgnore]
    public string? PrincipalId => LambdaPrincipalId ?? StreamsPrincipalId;
}

internal sealed class StreamRecordBodyDto
{
    public double? ApproximateCreationDateTime { get; set; }

    public Dictionary<string, DynamoValue>? Keys { get; set; }

    public Dictionary<string, DynamoValue>? NewImage { get; set; }

    /// <summary>Where the old image lies in the record: it is read only if someone asks (<see cref="RawImage"/>).</summary>
    public JsonSpan? OldImage { get; set; }

    public string? SequenceNumber { get; set; }

    public long? SizeBytes { get; set; }

    public string? StreamViewType { get; set; }
}

/// <summary>Only the two fields a broken record can still be named by.</summary>
internal sealed class RecordIdentityDto
{
    [JsonPropertyName("eventID")]
    public string? EventId { get; set; }

    [JsonPropertyName("dynamodb")]
    public RecordIdentityBodyDto? Dynamodb { get; set; }
}

internal sealed class RecordIdentityBodyDto
{
    public string? SequenceNumber { get; set; }
}

[JsonSourceGenerationOptions(
    GenerationMode = JsonSourceGenerationMode.Metadata,
    NumberHandling = JsonNumberHandling.Strict,
    Converters = [typeof(DynamoValueConverter), typeof(ItemConverter), typeof(JsonSpanConverter)],
    MaxDepth = StreamEventParser.MaxJsonDepth)]
[JsonSerializable(typeof(StreamRecordDto))]
[JsonSerializable(typeof(RecordIdentityDto))]
internal sealed partial class StreamEventJsonContext : JsonSerializerContext;
