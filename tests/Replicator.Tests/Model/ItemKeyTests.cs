using Replicator.Model;

namespace Replicator.Tests.Model;

public sealed class ItemKeyTests
{
    private static ItemKey Key(params (string Name, DynamoValue Value)[] parts) =>
        new(parts.ToDictionary(part => part.Name, part => part.Value, StringComparer.Ordinal));

    [Fact]
    public void Equals_StringsHoldingSeparatorCharacters_DoNotCollide()
    {
        var first = Key(("pk", DynamoValue.String("a\u0002sk\u0001S\u0001b")), ("sk", DynamoValue.String("c")));
        var second = Key(("pk", DynamoValue.String("a")), ("sk", DynamoValue.String("b\u0002sk\u0001S\u0001c")));

        Assert.NotEqual(first, second);
    }

    [Theory]
    [InlineData("ab", "c", "a", "bc")]
    [InlineData("a:1:b", "", "a", "1:b")]
    [InlineData("1:a", "b", "1", "a:b")]
    public void Equals_SamePartsSplitDifferently_AreDifferentKeys(string pk1, string sk1, string pk2, string sk2) =>
        Assert.NotEqual(
            Key(("pk", DynamoValue.String(pk1)), ("sk", DynamoValue.String(sk1))),
            Key(("pk", DynamoValue.String(pk2)), ("sk", DynamoValue.String(sk2))));

    [Fact]
    public void Equals_AttributeNameAndValueBoundary_IsUnambiguous() =>
        Assert.NotEqual(Key(("p", DynamoValue.String("kx"))), Key(("pk", DynamoValue.String("x"))));

    [Fact]
    public void Equals_SameNumberWrittenDifferently_IsTheSameKey_WhateverTheAttributeOrder()
    {
        var first = Key(("pk", DynamoValue.Number("1E+3")), ("sk", DynamoValue.String("x")));
        var second = Key(("sk", DynamoValue.String("x")), ("pk", DynamoValue.Number("1000")));

        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
    }

    [Fact]
    public void Equals_StringAndNumberWithTheSameText_AreDifferentKeys() =>
        Assert.NotEqual(Key(("pk", DynamoValue.String("1"))), Key(("pk", DynamoValue.Number("1"))));

    [Fact]
    public void Equals_BinaryKeys_CompareByBytes()
    {
        Assert.Equal(Key(("pk", DynamoValue.Binary([1, 2]))), Key(("pk", DynamoValue.Binary([1, 2]))));
        Assert.NotEqual(Key(("pk", DynamoValue.Binary([1, 2]))), Key(("pk", DynamoValue.Binary([1, 3]))));
    }
}
