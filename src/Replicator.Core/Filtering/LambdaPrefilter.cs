using System.Text.Json;
using Replicator.Model;

namespace Replicator.Filtering;

/// <summary>What a filter comes to as Lambda event source mapping FilterCriteria: the patterns, or why it cannot be one exactly.</summary>
public abstract record Prefilter
{
    /// <summary>Each pattern is one FilterCriteria filter (Lambda ORs them); a record that matches none never reaches the function.</summary>
    public sealed record Patterns(IReadOnlyList<string> Filters) : Prefilter;

    public sealed record NotExpressible(string Reason) : Prefilter;
}

/// <summary>
/// Turns a filter into Lambda event filtering patterns (FilterCriteria) that pass every record the
/// function must see, so Lambda drops the rest before they cost an invocation. A record must pass
/// when its new image matches (the item is written) and when its old image matches (the item
/// leaves the filter, or is removed, and its copy on the target must be deleted), so each
/// conjunction of the filter becomes two patterns, on <c>NewImage</c> and on <c>OldImage</c>. That
/// is exact only for streams of view type NEW_AND_OLD_IMAGES (docs/filtering.md says why).
/// Only what a pattern matches exactly is translated: string equality (<c>{"S":["v"]}</c>), boolean
/// equality (<c>{"BOOL":[true]}</c>) and string prefixes (<c>{"S":[{"prefix":"v"}]}</c>), on
/// attributes or map fields, joined by <c>and</c> and <c>or</c>. Numbers (a pattern compares the
/// text, DynamoDB the decimal), existence, <c>not</c> and <c>&lt;&gt;</c> are not: a pattern that
/// dropped a record the function needed would leave a stale copy on a target for good.
/// </summary>
public static class LambdaPrefilter
{
    /// <summary>Lambda takes five filters per event source mapping by default (ten with a quota increase).</summary>
    public const int MaxFilters = 5;

    /// <summary>Lambda takes a pattern of at most 4,096 characters.</summary>
    public const int MaxPatternLength = 4096;

    public static Prefilter Of(ItemFilter filter)
    {
        List<List<ItemFilter>> terms;
        try
        {
            terms = Terms(filter);
        }
        catch (NotExpressibleException e)
        {
            return new Prefilter.NotExpressible(e.Message);
        }

        if (terms.Count * 2 > MaxFilters)
        {
            return new Prefilter.NotExpressible(
                $"the filter has {terms.Count} alternatives (or), which take {terms.Count * 2} Lambda filters (one on the new image and one on the old image each); an event source mapping takes {MaxFilters} by default");
        }

        var patterns = new List<string>();
        foreach (var image in new[] { "NewImage", "OldImage" })
        {
            foreach (var term in terms)
            {
                if (Pattern(image, term) is not { } pattern)
                {
                    return new Prefilter.NotExpressible($"the filter tests one attribute twice in one alternative ({string.Join(" and ", term)}), which a pattern cannot say");
                }

                if (pattern.Length > MaxPatternLength)
                {
                    return new Prefilter.NotExpressible($"a pattern would be {pattern.Length} characters long; Lambda takes at most {MaxPatternLength}");
                }

                patterns.Add(pattern);
            }
        }

        return new Prefilter.Patterns(patterns);
    }

    /// <summary>The filter as an OR of ANDs of tests (disjunctive normal form), each test one a pattern can say exactly.</summary>
    private static List<List<ItemFilter>> Terms(ItemFilter filter)
    {
        switch (filter)
        {
            case ItemFilter.Or or:
                return [.. Terms(or.Left), .. Terms(or.Right)];
            case ItemFilter.And and:
                var left = Terms(and.Left);
                var right = Terms(and.Right);
                if (left.Count * right.Count > MaxFilters)
                {
                    throw new NotExpressibleException($"the filter has more than {MaxFilters} alternatives once its and/or are multiplied out; an event source mapping takes {MaxFilters} filters by default");
                }

                return [.. left.SelectMany(l => right.Select(r => (List<ItemFilter>)[.. l, .. r]))];
            case ItemFilter.Equal { Value.Type: DynamoType.S or DynamoType.BOOL }:
            case ItemFilter.BeginsWith:
                return [[filter]];
            case ItemFilter.Equal equal:
                throw new NotExpressibleException($"{equal} compares a number, which DynamoDB compares as a decimal and a pattern as text");
            case ItemFilter.Exists exists:
                throw new NotExpressibleException($"{exists}: a pattern tests an attribute's typed value, not whether it exists");
            default:
                throw new NotExpressibleException($"{filter}: a pattern cannot say 'not' exactly (it does not match a missing attribute)");
        }
    }

    /// <summary>One pattern: every test of the term on the image; null when two tests fall on the same value.</summary>
    private static string? Pattern(string image, List<ItemFilter> term)
    {
        var root = new SortedDictionary<string, object>(StringComparer.Ordinal);
        foreach (var test in term)
        {
            var (path, type, value) = test switch
            {
                ItemFilter.Equal equal => (equal.Path, equal.Value.Type.ToString(), (object)equal.Value),
                ItemFilter.BeginsWith begins => (begins.Path, "S", new Prefix(begins.Prefix)),
                _ => throw new InvalidOperationException($"not a pattern test: {test}"),
            };
            var node = root;
            for (var i = 0; i < path.Names.Count; i++)
            {
                // An attribute or map field holds {"M": {...}} on the way down, {"S": [...]} at the end.
                var attribute = Child(node, path.Names[i]);
                if (attribute is null)
                {
                    return null;
                }

                if (i < path.Names.Count - 1)
                {
                    node = Child(attribute, "M");
                    if (node is null)
                    {
                        return null;
                    }
                }
                else if (!attribute.TryAdd(type, value))
                {
                    return null;
                }
            }
        }

        return JsonText.Render(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("dynamodb");
            writer.WritePropertyName(image);
            Write(writer, root);
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
    }

    private static SortedDictionary<string, object>? Child(SortedDictionary<string, object> node, string name)
    {
        if (!node.TryGetValue(name, out var child))
        {
            child = new SortedDictionary<string, object>(StringComparer.Ordinal);
            node[name] = child;
        }

        return child as SortedDictionary<string, object>;
    }

    private static void Write(Utf8JsonWriter writer, SortedDictionary<string, object> node)
    {
        writer.WriteStartObject();
        foreach (var (name, child) in node)
        {
            writer.WritePropertyName(name);
            switch (child)
            {
                case SortedDictionary<string, object> inner:
                    Write(writer, inner);
                    break;
                case DynamoValue value:
                    writer.WriteStartArray();
                    if (value.Type == DynamoType.BOOL)
                    {
                        writer.WriteBooleanValue(value.AsBool());
                    }
                    else
                    {
                        writer.WriteStringValue(value.AsString());
                    }

                    writer.WriteEndArray();
                    break;
                case Prefix prefix:
                    writer.WriteStartArray();
                    writer.WriteStartObject();
                    writer.WriteString("prefix", prefix.Text);
                    writer.WriteEndObject();
                    writer.WriteEndArray();
                    break;
            }
        }

        writer.WriteEndObject();
    }

    private sealed record Prefix(string Text);

    private sealed class NotExpressibleException(string message) : Exception(message);
}
