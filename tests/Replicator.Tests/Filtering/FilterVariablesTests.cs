using Replicator.Filtering;
using Replicator.Lambda;

namespace Replicator.Tests.Filtering;

/// <summary>The Lambda host's filtering variables, validated at start-up like the rest of its configuration.</summary>
public sealed class FilterVariablesTests
{
    private static Func<string, string?> Environment(params (string Name, string Value)[] variables)
    {
        var values = variables.ToDictionary(pair => pair.Name, pair => (string?)pair.Value, StringComparer.Ordinal);
        values["REPLICATION_TARGETS"] = "us-west-2:users";
        return name => values.GetValueOrDefault(name);
    }

    private static ConfigurationException Refused(params (string Name, string Value)[] variables) =>
        Assert.Throws<ConfigurationException>(() => LambdaConfiguration.Load(Environment(variables)));

    [Fact]
    public void Load_NoFilterVariables_SelectsEverything() =>
        Assert.Same(ItemSelection.All, LambdaConfiguration.Load(Environment()).Selection);

    [Fact]
    public void Load_FilterAndProjection_AreParsed()
    {
        var selection = LambdaConfiguration.Load(Environment(("REPLICATION_FILTER", "begins_with(pk, \"eu#\")"), ("REPLICATION_EXCLUDE_ATTRIBUTES", "secret, notes"))).Selection;

        Assert.Equal(new ItemFilter.BeginsWith(new AttributePath(["pk"]), "eu#"), selection.Filter);
        Assert.False(selection.Projection!.IsInclude);
        Assert.Equal(["notes", "secret"], selection.Projection.Names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Load_BadFilter_NamesTheVariableAndThePosition()
    {
        var error = Refused(("REPLICATION_FILTER", "status = )"));
        Assert.Equal("REPLICATION_FILTER", error.Variable);
        Assert.Contains("REPLICATION_FILTER is not a valid filter: at position 10: expected a value", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_IncludeAndExclude_IsRefused() =>
        Assert.Contains("set one or the other", Refused(("REPLICATION_INCLUDE_ATTRIBUTES", "a"), ("REPLICATION_EXCLUDE_ATTRIBUTES", "b")).Message, StringComparison.Ordinal);

    [Fact]
    public void Load_NestedPath_IsRefusedNamingTheVariable() =>
        Assert.Equal("REPLICATION_INCLUDE_ATTRIBUTES", Refused(("REPLICATION_INCLUDE_ATTRIBUTES", "a.b")).Variable);

    [Fact]
    public void Load_MultiActiveWithAProjection_IsRefusedSayingWhy()
    {
        var error = Refused(("REPLICATION_MODE", "multi-active"), ("REPLICATION_INCLUDE_ATTRIBUTES", "a"));
        Assert.Equal("REPLICATION_INCLUDE_ATTRIBUTES", error.Variable);
        Assert.Contains("for one-way replication only", error.Message, StringComparison.Ordinal);
    }
}
