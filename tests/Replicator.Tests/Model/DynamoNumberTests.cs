using Replicator.Model;

namespace Replicator.Tests.Model;

public sealed class DynamoNumberTests
{
    [Theory]
    [InlineData("1000", "1E3")]
    [InlineData("1E+3", "1E3")]
    [InlineData("1.000e3", "1E3")]
    [InlineData("01000.00", "1E3")]
    [InlineData("0.0012", "1.2E-3")]
    [InlineData("-12.5", "-1.25E1")]
    [InlineData("+7", "7E0")]
    [InlineData("0", "0")]
    [InlineData("-0.000", "0")]
    [InlineData("0e99", "0")]
    [InlineData("12345678901234567890123456789012345678", "1.2345678901234567890123456789012345678E37")]
    [InlineData("1E-130", "1E-130")]
    [InlineData("9.9999999999999999999999999999999999999E+125", "9.9999999999999999999999999999999999999E125")]
    [InlineData("-000000000000000000000000000000000000000000000000000000000000000000000012.50000000000000000000", "-1.25E1")]
    [InlineData("0.0000000000000000000000000000000000000000000000000000000000000000000000000000000001", "1E-82")]
    public void Canonical_SpellingsOfOneValue_Agree(string text, string canonical) =>
        Assert.Equal(canonical, DynamoNumber.Canonical(text));

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData(".")]
    [InlineData("1.2.3")]
    [InlineData("1e")]
    [InlineData("1e1.5")]
    [InlineData("12abc")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData(" 1")]
    [InlineData("0x10")]
    [InlineData("1e+")]
    [InlineData("1e 5")]
    [InlineData("1e99999999999999999999")]
    [InlineData("+-1")]
    public void IsValid_NotANumber_IsFalse(string text) => Assert.False(DynamoNumber.IsValid(text));

    [Theory]
    [InlineData("1")]
    [InlineData("-1.5")]
    [InlineData(".5")]
    [InlineData("5.")]
    [InlineData("1E+3")]
    [InlineData("1e-3")]
    [InlineData("+.5e+7")]
    [InlineData("-0")]
    public void IsValid_Number_IsTrue(string text) => Assert.True(DynamoNumber.IsValid(text));

    [Fact]
    public void DynamoValue_Equality_IsSemantic()
    {
        Assert.Equal(DynamoValue.Number("1E+3"), DynamoValue.Number("1000"));
        Assert.Equal(DynamoValue.StringSet(["a", "b"]), DynamoValue.StringSet(["b", "a"]));
        Assert.Equal(DynamoValue.NumberSet(["1", "2E0"]), DynamoValue.NumberSet(["2", "1.0"]));
        Assert.Equal(DynamoValue.Binary([1, 2]), DynamoValue.Binary([1, 2]));
        Assert.NotEqual(DynamoValue.List([DynamoValue.String("a"), DynamoValue.String("b")]), DynamoValue.List([DynamoValue.String("b"), DynamoValue.String("a")]));
        Assert.NotEqual(DynamoValue.String("1"), DynamoValue.Number("1"));
    }

    [Fact]
    public void ItemKey_NumberSpellingsAndAttributeOrder_AreTheSameKey()
    {
        var a = new ItemKey(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String("x"), ["sk"] = DynamoValue.Number("1E+3") });
        var b = new ItemKey(new Dictionary<string, DynamoValue> { ["sk"] = DynamoValue.Number("1000"), ["pk"] = DynamoValue.String("x") });
        var c = new ItemKey(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String("x"), ["sk"] = DynamoValue.String("1000") });
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
    }
}
