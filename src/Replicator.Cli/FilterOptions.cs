using System.CommandLine;
using Replicator.Filtering;

namespace Replicator.Cli;

/// <summary>
/// <c>--filter</c>, <c>--include-attributes</c> and <c>--exclude-attributes</c>, taken alike by
/// replicate, backfill, verify and redrive, so that every command that writes or checks a target
/// agrees on what it should hold (docs/filtering.md). Bad values exit 2 naming the option.
/// </summary>
internal sealed class FilterOptions
{
    /// <summary>Why multi-active mode refuses the options (docs/filtering.md says it at length).</summary>
    public const string MultiActiveRefusal =
        "filtering and projection are for one-way replication. In multi-active mode every region's table is written by applications and replicated to the others: " +
        "a projected copy written in another region would be versioned there and forwarded back, dropping the attributes left out; " +
        "and an item filtered out of one region would leave its versions and deletes there out of step with the rest of the set.";

    private FilterOptions()
    {
    }

    public Option<ItemFilter?> Filter { get; } = NewFilter();

    /// <summary>A <c>--filter</c> option (also taken alone by <c>filter-criteria</c>).</summary>
    public static Option<ItemFilter?> NewFilter() => new("--filter")
    {
        Description = "Replicate only the items this expression matches, judged on each change's new image: an item that stops matching is deleted from the targets, one that starts matching is written. " +
            "DynamoDB-style, values in place: begins_with(pk, \"tenant#eu\"), status = \"active\", count <> 0, flag = true, attribute_exists(email), attribute_not_exists(deletedAt), combined with and, or, not and parentheses (docs/filtering.md).",
        CustomParser = result =>
        {
            try
            {
                return FilterParser.Parse(result.Tokens.Single().Value);
            }
            catch (FilterSyntaxException e)
            {
                return CommonOptions.Error<ItemFilter?>(result, $"--filter: {e.Message}", null);
            }
        },
    };

    public Option<IReadOnlyList<string>?> Include { get; } = Names("--include-attributes", "Copy only these top-level attributes (comma-separated), and always the key attributes; the others are left out of the targets.");

    public Option<IReadOnlyList<string>?> Exclude { get; } = Names("--exclude-attributes", "Copy every attribute but these (comma-separated top-level names; the key attributes are always copied).");

    public static FilterOptions AddTo(Command command)
    {
        var options = new FilterOptions();
        command.Options.Add(options.Filter);
        command.Options.Add(options.Include);
        command.Options.Add(options.Exclude);
        return options;
    }

    /// <summary>The selection the options give (<see cref="ItemSelection.All"/> for none); a usage error for both projections, or for any of them in multi-active mode.</summary>
    public ItemSelection Selection(ParseResult parsed, bool multiActive)
    {
        var filter = parsed.GetValue(Filter);
        var include = parsed.GetValue(Include);
        var exclude = parsed.GetValue(Exclude);
        if (include is not null && exclude is not null)
        {
            throw new UsageException("--include-attributes and --exclude-attributes: give one or the other, not both.");
        }

        var projection = include is not null ? AttributeProjection.Include(include) : exclude is not null ? AttributeProjection.Exclude(exclude) : null;
        var selection = filter is null && projection is null ? ItemSelection.All : new ItemSelection(filter, projection);
        if (multiActive && !selection.IsAll)
        {
            var given = new[] { filter is null ? null : "--filter", include is null ? null : "--include-attributes", exclude is null ? null : "--exclude-attributes" }.Where(name => name is not null);
            throw new UsageException($"{string.Join(", ", given)}: {MultiActiveRefusal}");
        }

        return selection;
    }

    private static Option<IReadOnlyList<string>?> Names(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            try
            {
                return AttributeProjection.ParseList(result.Tokens.Single().Value);
            }
            catch (FormatException e)
            {
                return CommonOptions.Error<IReadOnlyList<string>?>(result, $"{name}: {e.Message}", null);
            }
        },
    };
}
