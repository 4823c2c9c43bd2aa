using Replicator.Model;

namespace Replicator.MultiActive;

/// <summary>An attribute, or one field of a map attribute (the metadata's version, say).</summary>
public sealed record AttributePath(string Attribute, string? Field = null)
{
    public override string ToString() => Field is null ? Attribute : $"{Attribute}.{Field}";
}

/// <summary>
/// A write's condition: the small part of DynamoDB's condition expressions that multi-active
/// needs, as data, so the in-memory table and DynamoDB evaluate the same thing (one contract
/// suite runs against both). A comparison is false when the attribute is missing or of another
/// type, as in DynamoDB.
/// </summary>
public abstract record Condition
{
    private Condition()
    {
    }

    public static Condition Exists(AttributePath path) => new AttributeExists(path);

    public static Condition Missing(AttributePath path) => new AttributeMissing(path);

    public static Condition Equal(AttributePath path, DynamoValue value) => new Comparison(path, ComparisonKind.Equal, value);

    public static Condition Less(AttributePath path, DynamoValue value) => new Comparison(path, ComparisonKind.Less, value);

    public static Condition LessOrEqual(AttributePath path, DynamoValue value) => new Comparison(path, ComparisonKind.LessOrEqual, value);

    public Condition And(Condition other) => new Both(this, other);

    public Condition Or(Condition other) => new Either(this, other);

    public sealed record AttributeExists(AttributePath Path) : Condition;

    public sealed record AttributeMissing(AttributePath Path) : Condition;

    public sealed record Comparison(AttributePath Path, ComparisonKind Kind, DynamoValue Value) : Condition;

    public sealed record Both(Condition Left, Condition Right) : Condition;

    public sealed record Either(Condition Left, Condition Right) : Condition;

    /// <summary>Evaluates the condition against an item as it stands (null: no item).</summary>
    public bool IsMetBy(IReadOnlyDictionary<string, DynamoValue>? item) => this switch
    {
        AttributeExists exists => Find(item, exists.Path) is not null,
        AttributeMissing missing => Find(item, missing.Path) is null,
        Comparison comparison => Find(item, comparison.Path) is { } value && Compare(value, comparison.Value) is { } order && comparison.Kind switch
        {
            ComparisonKind.Equal => order == 0,
            ComparisonKind.Less => order < 0,
            _ => order <= 0,
        },
        Both both => both.Left.IsMetBy(item) && both.Right.IsMetBy(item),
        Either either => either.Left.IsMetBy(item) || either.Right.IsMetBy(item),
        _ => throw new InvalidOperationException($"unknown condition {this}"),
    };

    private static DynamoValue? Find(IReadOnlyDictionary<string, DynamoValue>? item, AttributePath path)
    {
        if (item is null || !item.TryGetValue(path.Attribute, out var value))
        {
            return null;
        }

        return path.Field is null ? value
            : value.Type == DynamoType.M && value.AsMap().TryGetValue(path.Field, out var field) ? field
            : null;
    }

    /// <summary>
    /// Strings order as DynamoDB orders them, by their bytes (versions are ASCII, so ordinal order
    /// is byte order); any two values compare equal when DynamoDB holds them equal; nothing else
    /// is needed, so nothing else orders.
    /// </summary>
    private static int? Compare(DynamoValue left, DynamoValue right) =>
        (left.Type, right.Type) switch
        {
            (DynamoType.S, DynamoType.S) => Math.Sign(string.CompareOrdinal(left.AsString(), right.AsString())),
            _ when left.Equals(right) => 0,
            _ => null,
        };
}

public enum ComparisonKind : byte { Equal, Less, LessOrEqual }
