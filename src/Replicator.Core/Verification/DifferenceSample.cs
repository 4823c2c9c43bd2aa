using Replicator.Model;

namespace Replicator.Verification;

/// <summary>How a key differs between the source and a target, as the consistent re-read saw it.</summary>
public enum Divergence : byte
{
    /// <summary>On the source, not on the target.</summary>
    Missing,

    /// <summary>On the target, not on the source.</summary>
    Extra,

    /// <summary>On both, with different attributes.</summary>
    Different,
}

/// <summary>One attribute that differs: its value on each side, null where the item lacks it (or the item is absent).</summary>
public sealed record AttributeDifference(string Name, DynamoValue? Source, DynamoValue? Target);

/// <summary>A difference to show: the key, and every other attribute that differs (for a missing or extra item, all of them).</summary>
public sealed record DifferenceSample(Divergence Kind, ItemKey Key, IReadOnlyList<AttributeDifference> Attributes)
{
    /// <summary>
    /// The attributes on which two images of an item differ, by name (ordinal), compared semantically
    /// (<see cref="DynamoValue.Equals(DynamoValue?)"/>: sets unordered, numbers as decimals, binary as bytes).
    /// An absent image has no attributes.
    /// </summary>
    public static IReadOnlyList<AttributeDifference> Compare(IReadOnlyDictionary<string, DynamoValue>? source, IReadOnlyDictionary<string, DynamoValue>? target)
    {
        var names = (source?.Keys ?? []).Union(target?.Keys ?? [], StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var result = new List<AttributeDifference>();
        foreach (var name in names)
        {
            var left = source?.GetValueOrDefault(name);
            var right = target?.GetValueOrDefault(name);
            if (left is null ? right is not null : !left.Equals(right))
            {
                result.Add(new AttributeDifference(name, left, right));
            }
        }

        return result;
    }

    /// <summary>What the two images come to: null when they are the same item (or both absent).</summary>
    public static Divergence? Classify(IReadOnlyDictionary<string, DynamoValue>? source, IReadOnlyDictionary<string, DynamoValue>? target) => (source, target) switch
    {
        (null, null) => null,
        (not null, null) => Divergence.Missing,
        (null, not null) => Divergence.Extra,
        _ => DynamoValue.MapsEqual(source, target) ? null : Divergence.Different,
    };
}
