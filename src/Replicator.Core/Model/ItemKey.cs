using System.Globalization;
using System.Text;

namespace Replicator.Model;

/// <summary>
/// An item's primary key (partition key, and sort key if any), with an identity that matches
/// DynamoDB's: attribute order does not matter and numbers compare as decimals.
/// </summary>
public sealed class ItemKey : IEquatable<ItemKey>
{
    private readonly string _identity;

    public ItemKey(IReadOnlyDictionary<string, DynamoValue> attributes)
    {
        Attributes = attributes;
        _identity = Identity(attributes);
    }

    public IReadOnlyDictionary<string, DynamoValue> Attributes { get; }

    /// <summary>
    /// Each part (name, type, value) is written as its length, ':', then its text, so no value,
    /// whatever characters it holds, can read as a part boundary. Numbers are canonical, so
    /// 1E+3 and 1000 are one key.
    /// </summary>
    private static string Identity(IReadOnlyDictionary<string, DynamoValue> attributes)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in attributes.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            Part(text, name);
            Part(text, value.Type.ToString());
            Part(text, value.Type switch
            {
                DynamoType.S => value.AsString(),
                DynamoType.N => DynamoNumber.Canonical(value.AsNumber()),
                DynamoType.B => Convert.ToBase64String(value.AsBinary()),
                _ => value.ToString(),
            });
        }

        return text.ToString();
    }

    private static void Part(StringBuilder text, string part) =>
        text.Append(part.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(part);

    public bool Equals(ItemKey? other) => other is not null && _identity == other._identity;

    public override bool Equals(object? obj) => Equals(obj as ItemKey);

    public override int GetHashCode() => _identity.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => DynamoJson.ToJson(Attributes);
}
