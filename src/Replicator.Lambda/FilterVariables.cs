using Replicator.Filtering;

namespace Replicator.Lambda;

/// <summary>
/// The filtering variables of the function (docs/filtering.md), read at start-up with the rest of
/// its configuration: a bad value stops the function before it takes any event, naming the variable.
/// </summary>
internal static class FilterVariables
{
    /// <summary>Optional: replicate only the items this expression matches, e.g. <c>begins_with(pk, "tenant#eu")</c>.</summary>
    public const string FilterVariable = "REPLICATION_FILTER";

    /// <summary>Optional: copy only these attributes (comma-separated) and the key.</summary>
    public const string IncludeVariable = "REPLICATION_INCLUDE_ATTRIBUTES";

    /// <summary>Optional: copy every attribute but these (comma-separated; never the key).</summary>
    public const string ExcludeVariable = "REPLICATION_EXCLUDE_ATTRIBUTES";

    /// <param name="multiActive">Multi-active mode, which refuses every one of the variables (see the message).</param>
    public static ItemSelection Load(Func<string, string?> value, bool multiActive, string modeVariable)
    {
        var (filterText, include, exclude) = (value(FilterVariable), value(IncludeVariable), value(ExcludeVariable));
        if (multiActive && (filterText is not null ? FilterVariable : include is not null ? IncludeVariable : exclude is not null ? ExcludeVariable : null) is { } set)
        {
            throw new ConfigurationException(
                set,
                $"{set} is set, but {modeVariable} is multi-active, and filtering and projection are for one-way replication only: a projected copy written in another region would be versioned there and forwarded back, " +
                $"dropping the attributes left out, and an item filtered out of one region would leave its versions and deletes out of step with the rest of the set; unset {set}");
        }

        if (include is not null && exclude is not null)
        {
            throw new ConfigurationException(IncludeVariable, $"{IncludeVariable} and {ExcludeVariable} are both set; set one or the other");
        }

        ItemFilter? filter = null;
        if (filterText is not null)
        {
            try
            {
                filter = FilterParser.Parse(filterText);
            }
            catch (FilterSyntaxException e)
            {
                throw new ConfigurationException(FilterVariable, $"{FilterVariable} is not a valid filter: {e.Message} (the grammar is in docs/filtering.md)");
            }
        }

        var projection = include is not null ? AttributeProjection.Include(Names(IncludeVariable, include))
            : exclude is not null ? AttributeProjection.Exclude(Names(ExcludeVariable, exclude))
            : null;
        return filter is null && projection is null ? ItemSelection.All : new ItemSelection(filter, projection);
    }

    private static IReadOnlyList<string> Names(string variable, string text)
    {
        try
        {
            return AttributeProjection.ParseList(text);
        }
        catch (FormatException e)
        {
            throw new ConfigurationException(variable, $"{variable} is not valid: {e.Message}");
        }
    }
}
