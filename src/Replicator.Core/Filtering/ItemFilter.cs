using Replicator.Model;
using Item = System.Collections.Generic.IReadOnlyDictionary<string, Replicator.Model.DynamoValue>;

namespace Replicator.Filtering;

/// <summary>
/// Which items replicate: a small boolean expression over an item's attributes, parsed from text
/// by <see cref="FilterParser"/> (the grammar is in docs/filtering.md). Evaluated on an image's
/// values; an image kept as bytes (<see cref="RawImage"/>) is read only as far as the attributes
/// the filter names.
/// </summary>
public abstract record ItemFilter
{
    public abstract bool Matches(Item item);

    /// <summary>Both sides match.</summary>
    public sealed record And(ItemFilter Left, ItemFilter Right) : ItemFilter
    {
        public override bool Matches(Item item) => Left.Matches(item) && Right.Matches(item);

        public override string ToString() => $"({Left} and {Right})";
    }

    /// <summary>Either side matches.</summary>
    public sealed record Or(ItemFilter Left, ItemFilter Right) : ItemFilter
    {
        public override bool Matches(Item item) => Left.Matches(item) || Right.Matches(item);

        public override string ToString() => $"({Left} or {Right})";
    }

    /// <summary>The operand does not match.</summary>
    public sealed record Not(ItemFilter Operand) : ItemFilter
    {
        public override bool Matches(Item item) => !Operand.Matches(item);

        public override string ToString() => $"not {Operand}";
    }

    /// <summary>
    /// The attribute holds a value equal to <see cref="Value"/> (a string, number or boolean), as
    /// DynamoDB compares: same type, numbers as decimals (<c>5</c> equals <c>5.0</c>). A missing
    /// attribute, or one of another type, is not equal.
    /// </summary>
    public sealed record Equal(AttributePath Path, DynamoValue Value) : ItemFilter
    {
        public override bool Matches(Item item) => Path.Find(item) is { } found && found.Equals(Value);

        public override string ToString() => $"{Path} = {FilterLexer.Literal(Value)}";
    }

    /// <summary>The attribute is a string that starts with <see cref="Prefix"/> (ordinal, as DynamoDB's begins_with).</summary>
    public sealed record BeginsWith(AttributePath Path, string Prefix) : ItemFilter
    {
        public override bool Matches(Item item) =>
            Path.Find(item) is { Type: DynamoType.S } found && found.AsString().StartsWith(Prefix, StringComparison.Ordinal);

        public override string ToString() => $"begins_with({Path}, {FilterLexer.Literal(DynamoValue.String(Prefix))})";
    }

    /// <summary>The attribute is there, whatever its type or value (a NULL value counts as there, as in DynamoDB).</summary>
    public sealed record Exists(AttributePath Path) : ItemFilter
    {
        public override bool Matches(Item item) => Path.Find(item) is not null;

        public override string ToString() => $"attribute_exists({Path})";
    }
}
