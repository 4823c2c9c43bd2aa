using Amazon.DynamoDBv2.Model;
using Replicator.Model;

namespace Replicator.Aws;

/// <summary>Converts between the engine's <see cref="DynamoValue"/> and the AWS SDK's <see cref="AttributeValue"/>.</summary>
public static class AttributeValues
{
    public static Dictionary<string, AttributeValue> ToSdk(IReadOnlyDictionary<string, DynamoValue> item)
    {
        var result = new Dictionary<string, AttributeValue>(item.Count, StringComparer.Ordinal);
        foreach (var (name, value) in item)
        {
            result[name] = ToSdk(value);
        }

        return result;
    }

    public static AttributeValue ToSdk(DynamoValue value) => value.Type switch
    {
        DynamoType.S => new AttributeValue { S = value.AsString() },
        DynamoType.N => new AttributeValue { N = value.AsNumber() },
        DynamoType.B => new AttributeValue { B = new MemoryStream(value.AsBinary(), writable: false) },
        DynamoType.BOOL => new AttributeValue { BOOL = value.AsBool() },
        DynamoType.NULL => new AttributeValue { NULL = true },
        DynamoType.M => new AttributeValue { M = ToSdk(value.AsMap()) },
        DynamoType.L => new AttributeValue { L = value.AsList().Select(ToSdk).ToList() },
        DynamoType.SS => new AttributeValue { SS = [.. value.AsStringSet()] },
        DynamoType.NS => new AttributeValue { NS = [.. value.AsNumberSet()] },
        DynamoType.BS => new AttributeValue { BS = value.AsBinarySet().Select(bytes => new MemoryStream(bytes, writable: false)).ToList() },
        _ => throw new ArgumentOutOfRangeException(nameof(value), value.Type, "unknown attribute type"),
    };

    public static Dictionary<string, DynamoValue> FromSdk(IReadOnlyDictionary<string, AttributeValue> item)
    {
        var result = new Dictionary<string, DynamoValue>(item.Count, StringComparer.Ordinal);
        foreach (var (name, value) in item)
        {
            result[name] = FromSdk(value);
        }

        return result;
    }

    /// <summary>The SDK (v4) leaves unset members null; exactly one is set on a value the service sent.</summary>
    public static DynamoValue FromSdk(AttributeValue value) => value switch
    {
        { S: { } s } => DynamoValue.String(s),
        { N: { } n } => DynamoValue.Number(n),
        { B: { } b } => DynamoValue.Binary(b.ToArray()),
        { BOOL: { } flag } => DynamoValue.Bool(flag),
        { NULL: true } => DynamoValue.Null,
        { M: { } m } => DynamoValue.Map(FromSdk(m)),
        { L: { } l } => DynamoValue.List(l.Select(FromSdk).ToList()),
        { SS: { Count: > 0 } ss } => DynamoValue.StringSet(ss),
        { NS: { Count: > 0 } ns } => DynamoValue.NumberSet(ns),
        { BS: { Count: > 0 } bs } => DynamoValue.BinarySet(bs.Select(stream => stream.ToArray()).ToList()),
        _ => throw new ArgumentException("The attribute value has no type set.", nameof(value)),
    };
}
