using System.Globalization;
using System.Runtime.CompilerServices;

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

    /// <summary>The key as one canonical string, equal for equal keys (how side tables name an item).</summary>
    public string Text => _identity;

    /// <summary>
    /// Each part (name, type, value) is written as its length, ':', then its text, so no value,
    /// whatever characters it holds, can read as a part boundary. Numbers are canonical, so
    /// 1E+3 and 1000 are one key.
    /// </summary>
    private static string Identity(IReadOnlyDictionary<string, DynamoValue> attributes)
    {
        // Built once per stream record or scanned item: composed on the stack, and a key's one or
        // two attributes put in order without sorting machinery.
        var text = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture, stackalloc char[128]);
        if (attributes.Count == 1)
        {
            foreach (var (name, value) in attributes)
            {
                Attribute(ref text, name, value);
            }
        }
        else if (attributes.Count == 2)
        {
            using var pairs = attributes.GetEnumerator();
            pairs.MoveNext();
            var first = pairs.Current;
            pairs.MoveNext();
            var second = pairs.Current;
            if (string.CompareOrdinal(first.Key, second.Key) > 0)
            {
                (first, second) = (second, first);
            }

            Attribute(ref text, first.Key, first.Value);
            Attribute(ref text, second.Key, second.Value);
        }
        else
        {
            foreach (var (name, value) in attributes.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                Attribute(ref text, name, value);
            }
        }

        return text.ToStringAndClear();
    }

    private static void Attribute(ref DefaultInterpolatedStringHandler text, string name, DynamoValue value)
    {
        Part(ref text, name);
        Part(ref text, value.Type.ToString());
        Part(ref text, value.Type switch
        {
            DynamoType.S => value.AsString(),
            DynamoType.N => DynamoNumber.Canonical(value.AsNumber()),
            DynamoType.B => Convert.ToBase64String(value.AsBinary()),
            _ => value.ToString(),
        });
    }

    private static void Part(ref DefaultInterpolatedStringHandler text, string part)
    {
        text.AppendFormatted(part.Length);
        text.AppendLiteral(":");
        text.AppendFormatted(part);
    }

    public bool Equals(ItemKey? other) => other is not null && _identity == other._identity;

    public override bool Equals(object? obj) => Equals(obj as ItemKey);

    public override int GetHashCode() => _identity.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => DynamoJson.ToJson(Attributes);
}
