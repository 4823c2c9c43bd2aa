using Replicator.Model;
using Replicator.MultiActive;
using Condition = Replicator.MultiActive.Condition;

namespace Replicator.Aws.MultiActive;

/// <summary>
/// The placeholders of one request's expressions: every attribute name goes through
/// <c>ExpressionAttributeNames</c> (the metadata attribute's name is the user's choice, and may
/// be a reserved word or hold a dot), every value through <c>ExpressionAttributeValues</c>.
/// One instance per request, shared by its update and condition expressions. The values stay
/// <see cref="DynamoValue"/>s: the SDK's requests convert them to AttributeValues, the JSON-protocol
/// bodies write them as DynamoDB JSON, and both send the same expressions.
/// </summary>
internal sealed class Expressions
{
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _placeholders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DynamoValue> _values = new(StringComparer.Ordinal);

    /// <summary>Null when no name was used: DynamoDB refuses an empty map.</summary>
    public Dictionary<string, string>? Names => _names.Count == 0 ? null : _names;

    public Dictionary<string, DynamoValue>? Values => _values.Count == 0 ? null : _values;

    public string Name(string attribute)
    {
        if (!_placeholders.TryGetValue(attribute, out var placeholder))
        {
            placeholder = $"#n{_placeholders.Count}";
            _placeholders[attribute] = placeholder;
            _names[placeholder] = attribute;
        }

        return placeholder;
    }

    public string Value(DynamoValue value)
    {
        var placeholder = $":v{_values.Count}";
        _values[placeholder] = value;
        return placeholder;
    }

    public string Path(AttributePath path) => path.Field is null ? Name(path.Attribute) : $"{Name(path.Attribute)}.{Name(path.Field)}";

    /// <summary>The condition as a ConditionExpression, every operand parenthesised so the tree's grouping is the expression's; null for none.</summary>
    public string? Condition(Condition? condition) => condition is null ? null : Render(condition);

    private string Render(Condition condition) => condition switch
    {
        Condition.AttributeExists exists => $"attribute_exists({Path(exists.Path)})",
        Condition.AttributeMissing missing => $"attribute_not_exists({Path(missing.Path)})",
        Condition.Comparison { Kind: ComparisonKind.Equal } equal => $"{Path(equal.Path)} = {Value(equal.Value)}",
        Condition.Comparison ordered => Ordered(ordered),
        Condition.Both both => $"({Render(both.Left)} AND {Render(both.Right)})",
        Condition.Either either => $"({Render(either.Left)} OR {Render(either.Right)})",
        _ => throw new ArgumentException($"unknown condition {condition}", nameof(condition)),
    };

    /// <summary>
    /// <c>&lt;</c> and <c>&lt;=</c>, on strings only: <see cref="Replicator.MultiActive.Condition.IsMetBy"/>
    /// orders nothing else, and a DynamoDB condition that ordered numbers would disagree with it.
    /// The <c>attribute_type</c> guard changes nothing on AWS (a comparison with a value of another
    /// type is false there), but moto 5.2 answers HTTP 500 to <c>&lt;</c> between a number or
    /// map and a string instead of failing the condition; guarded, it fails the condition as AWS does.
    /// </summary>
    private string Ordered(Condition.Comparison comparison)
    {
        if (comparison.Value.Type != DynamoType.S)
        {
            throw new ArgumentException($"the condition {comparison.Path} {comparison.Kind} compares a {comparison.Value.Type}: only strings are ordered", nameof(comparison));
        }

        var path = Path(comparison.Path);
        var operation = comparison.Kind == ComparisonKind.Less ? "<" : "<=";
        return $"(attribute_type({path}, {Value(DynamoValue.String("S"))}) AND {path} {operation} {Value(comparison.Value)})";
    }
}
