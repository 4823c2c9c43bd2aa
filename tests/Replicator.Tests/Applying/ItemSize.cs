using Replicator.Model;

namespace Replicator.Tests.Applying;

/// <summary>
/// An item's size as DynamoDB counts it against its 400 KB limit (attribute names and values in
/// UTF-8; a number about one byte per two digits; a map or list 3 bytes plus one per element),
/// so the in-memory tables refuse what DynamoDB refuses.
/// </summary>
internal static class ItemSize
{
    public static long Of(IReadOnlyDictionary<string, DynamoValue> item) =>
        item.Sum(attribute => System.Text.Encoding.UTF8.GetByteCount(attribute.Key) + Of(attribute.Value));

    private static long Of(DynamoValue value) => value.Type switch
    {
        DynamoType.S => System.Text.Encoding.UTF8.GetByteCount(value.AsString()),
        DynamoType.N => (value.AsNumber().Length + 1) / 2 + 1,
        DynamoType.B => value.AsBinary().Length,
        DynamoType.BOOL or DynamoType.NULL => 1,
        DynamoType.M => 3 + value.AsMap().Sum(pair => System.Text.Encoding.UTF8.GetByteCount(pair.Key) + Of(pair.Value) + 1),
        DynamoType.L => 3 + value.AsList().Sum(element => Of(element) + 1),
        DynamoType.SS => value.AsStringSet().Sum(text => (long)System.Text.Encoding.UTF8.GetByteCount(text)),
        DynamoType.NS => value.AsNumberSet().Sum(number => (long)((number.Length + 1) / 2 + 1)),
        DynamoType.BS => value.AsBinarySet().Sum(bytes => (long)bytes.Length),
        _ => throw new ArgumentOutOfRangeException(nameof(value), value.Type, "unknown attribute type"),
    };
}
