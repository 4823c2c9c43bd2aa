using System.Text;
using Replicator.Filtering;
using Replicator.Model;

namespace Replicator.Tests.Filtering;

public sealed class ItemFilterTests
{
    private static Dictionary<string, DynamoValue> Item(params (string Name, DynamoValue Value)[] attributes) =>
        attributes.ToDictionary(pair => pair.Name, pair => pair.Value, StringComparer.Ordinal);

    private static bool Matches(string filter, IReadOnlyDictionary<string, DynamoValue> item) => FilterParser.Parse(filter).Matches(item);

    [Fact]
    public void Equal_ComparesNumbersAsDecimals_AndNeverAcrossTypes()
    {
        Assert.True(Matches("n = 1", Item(("n", DynamoValue.Number("1.0")))));
        Assert.True(Matches("n = 1000", Item(("n", DynamoValue.Number("1E3")))));
        Assert.False(Matches("n = 1", Item(("n", DynamoValue.String("1")))));
        Assert.False(Matches("n = \"1\"", Item(("n", DynamoValue.Number("1")))));
        Assert.False(Matches("flag = true", Item(("flag", DynamoValue.String("true")))));
    }

    [Fact]
    public void NotEqual_MatchesAMissingAttribute()
    {
        // `a <> v` is `not (a = v)`: an item without the attribute is not equal to anything.
        Assert.True(Matches("status <> \"active\"", Item()));
        Assert.False(Matches("status <> \"active\"", Item(("status", DynamoValue.String("active")))));
    }

    [Fact]
    public void BeginsWith_IsOrdinal_AndOnlyForStrings()
    {
        Assert.True(Matches("begins_with(pk, \"tenant#eu\")", Item(("pk", DynamoValue.String("tenant#eu#42")))));
        Assert.False(Matches("begins_with(pk, \"tenant#eu\")", Item(("pk", DynamoValue.String("Tenant#eu#42")))));
        Assert.False(Matches("begins_with(n, \"1\")", Item(("n", DynamoValue.Number("12")))));
        Assert.True(Matches("begins_with(pk, \"\")", Item(("pk", DynamoValue.String("")))));
    }

    [Fact]
    public void Exists_CountsANullValueAsThere_AndFollowsMapFields()
    {
        Assert.True(Matches("exists(note)", Item(("note", DynamoValue.Null))));
        Assert.False(Matches("exists(note)", Item()));
        var address = DynamoValue.Map(new Dictionary<string, DynamoValue> { ["city"] = DynamoValue.String("Paris") });
        Assert.True(Matches("exists(address.city) and address.city = \"Paris\"", Item(("address", address))));
        Assert.False(Matches("exists(address.zip)", Item(("address", address))));
        Assert.False(Matches("exists(address.city)", Item(("address", DynamoValue.String("Paris")))));
    }

    [Fact]
    public void Matches_ReadsAStreamImageKeptAsBytes()
    {
        var json = """{"pk":{"S":"tenant#eu#1"},"status":{"S":"active"},"n":{"N":"5"}}""";
        var image = new RawImage(Encoding.UTF8.GetBytes(json), namesUnique: true);

        Assert.True(Matches("begins_with(pk, \"tenant#eu\") and status = \"active\" and n = 5.0", image));
        Assert.False(Matches("attribute_not_exists(status)", image));
    }
}
