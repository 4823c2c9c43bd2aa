using Replicator.Filtering;
using Replicator.Model;

namespace Replicator.Tests.Filtering;

public sealed class AttributeProjectionTests
{
    private static readonly ItemKey Key = new(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String("a"), ["sk"] = DynamoValue.Number("1") });

    private static readonly Dictionary<string, DynamoValue> Item = new()
    {
        ["pk"] = DynamoValue.String("a"),
        ["sk"] = DynamoValue.Number("1"),
        ["name"] = DynamoValue.String("Ada"),
        ["email"] = DynamoValue.String("ada@example.com"),
        ["ssn"] = DynamoValue.String("secret"),
    };

    [Fact]
    public void Include_KeepsTheNamedAttributesAndTheKey()
    {
        var projected = AttributeProjection.Include(["name", "missing"]).Apply(Item, Key);
        Assert.Equal(["name", "pk", "sk"], projected.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Exclude_DropsTheNamedAttributesButNeverTheKey()
    {
        var projected = AttributeProjection.Exclude(["ssn", "pk"]).Apply(Item, Key);
        Assert.Equal(["email", "name", "pk", "sk"], projected.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Exclude_OfAttributesTheItemLacks_ReturnsTheItemItself()
    {
        Assert.Same(Item, AttributeProjection.Exclude(["other"]).Apply(Item, Key));
    }

    [Theory]
    [InlineData("", "no attribute named")]
    [InlineData("a,,b", "has an empty name between commas")]
    [InlineData("a,b,a", "'a' is named twice")]
    [InlineData("address.city", "'address.city' is a nested path; only top-level attributes can be included or excluded (name the whole attribute, 'address')")]
    [InlineData("tags[0]", "'tags[0]' is a nested path")]
    public void ParseList_RefusesWhatItCannotHonourExactly(string text, string message)
    {
        var error = Assert.Throws<FormatException>(() => AttributeProjection.ParseList(text));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseList_TrimsNames() => Assert.Equal(["a", "b"], AttributeProjection.ParseList(" a , b "));
}
