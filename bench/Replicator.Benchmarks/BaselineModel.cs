namespace Replicator.Benchmarks;

// The baseline's model: plain classes mirroring the Lambda event and the SDK's AttributeValue,
// read by System.Text.Json through reflection, as most handlers are written. Numbers stay
// strings (as in the SDK), binary is decoded from base64 by the serializer.

public sealed class LambdaEvent
{
    public List<LambdaRecord>? Records { get; set; }
}

public sealed class LambdaRecord
{
    public string? EventId { get; set; }

    public string? EventName { get; set; }

    public string? EventVersion { get; set; }

    public string? EventSource { get; set; }

    public string? AwsRegion { get; set; }

    public string? EventSourceArn { get; set; }

    public LambdaIdentity? UserIdentity { get; set; }

    public LambdaStreamRecord? Dynamodb { get; set; }
}

public sealed class LambdaIdentity
{
    public string? Type { get; set; }

    public string? PrincipalId { get; set; }
}

public sealed class LambdaStreamRecord
{
    public double? ApproximateCreationDateTime { get; set; }

    public Dictionary<string, LambdaAttributeValue>? Keys { get; set; }

    public Dictionary<string, LambdaAttributeValue>? NewImage { get; set; }

    public Dictionary<string, LambdaAttributeValue>? OldImage { get; set; }

    public string? SequenceNumber { get; set; }

    public long? SizeBytes { get; set; }

    public string? StreamViewType { get; set; }
}

/// <summary>DynamoDB JSON's attribute value: exactly one member is set (matched case-insensitively, so "BOOL" reads Bool).</summary>
public sealed class LambdaAttributeValue
{
    public string? S { get; set; }

    public string? N { get; set; }

    public byte[]? B { get; set; }

    public bool? Bool { get; set; }

    public bool? Null { get; set; }

    public Dictionary<string, LambdaAttributeValue>? M { get; set; }

    public List<LambdaAttributeValue>? L { get; set; }

    public List<string>? SS { get; set; }

    public List<string>? NS { get; set; }

    public List<byte[]>? BS { get; set; }
}

/// <summary>The baseline's plan: per key, the last record's write (a put of its new image, or a delete).</summary>
public sealed record BaselineWrite(string Key, bool Delete, Dictionary<string, LambdaAttributeValue> Item, int Records);
