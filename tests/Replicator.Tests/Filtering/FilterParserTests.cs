using CsCheck;
using Replicator.Filtering;
using Replicator.Model;

namespace Replicator.Tests.Filtering;

public sealed class FilterParserTests
{
    private static AttributePath Path(params string[] names) => new(names);

    [Fact]
    public void Parse_Equality_TakesStringsNumbersAndBooleans()
    {
        Assert.Equal(new ItemFilter.Equal(Path("status"), DynamoValue.String("active")), FilterParser.Parse("status = \"active\""));
        Assert.Equal(new ItemFilter.Equal(Path("status"), DynamoValue.String("it's")), FilterParser.Parse("status = 'it\\'s'"));
        Assert.Equal(new ItemFilter.Equal(Path("count"), DynamoValue.Number("-1.5E3")), FilterParser.Parse("count=-1.5E3"));
        Assert.Equal(new ItemFilter.Equal(Path("flag"), DynamoValue.True), FilterParser.Parse("flag = TRUE"));
        Assert.Equal(new ItemFilter.Not(new ItemFilter.Equal(Path("flag"), DynamoValue.False)), FilterParser.Parse("flag <> false"));
        Assert.Equal(new ItemFilter.Not(new ItemFilter.Equal(Path("flag"), DynamoValue.False)), FilterParser.Parse("flag != false"));
    }

    [Fact]
    public void Parse_Functions_AreDynamoDbsNames()
    {
        Assert.Equal(new ItemFilter.BeginsWith(Path("pk"), "tenant#eu"), FilterParser.Parse("begins_with(pk, \"tenant#eu\")"));
        Assert.Equal(new ItemFilter.Exists(Path("email")), FilterParser.Parse("attribute_exists(email)"));
        Assert.Equal(new ItemFilter.Exists(Path("email")), FilterParser.Parse("exists(email)"));
        Assert.Equal(new ItemFilter.Not(new ItemFilter.Exists(Path("deletedAt"))), FilterParser.Parse("attribute_not_exists(deletedAt)"));
        Assert.Equal(new ItemFilter.Not(new ItemFilter.Exists(Path("deletedAt"))), FilterParser.Parse("NOT exists(deletedAt)"));
    }

    [Fact]
    public void Parse_NestedAndQuotedNames_MakePaths()
    {
        Assert.Equal(new ItemFilter.Equal(Path("address", "city"), DynamoValue.String("Paris")), FilterParser.Parse("address.city = \"Paris\""));
        Assert.Equal(new ItemFilter.Exists(Path("my attr", "x-y")), FilterParser.Parse("exists(`my attr`.`x-y`)"));
        // A quoted keyword is a name.
        Assert.Equal(new ItemFilter.Exists(Path("and")), FilterParser.Parse("exists(`and`)"));
    }

    [Fact]
    public void Parse_AndBindsTighterThanOr_AndParenthesesGroup()
    {
        var a = new ItemFilter.Exists(Path("a"));
        var b = new ItemFilter.Exists(Path("b"));
        var c = new ItemFilter.Exists(Path("c"));
        Assert.Equal(new ItemFilter.Or(a, new ItemFilter.And(b, c)), FilterParser.Parse("exists(a) or exists(b) and exists(c)"));
        Assert.Equal(new ItemFilter.And(new ItemFilter.Or(a, b), c), FilterParser.Parse("(exists(a) or exists(b)) and exists(c)"));
        Assert.Equal(new ItemFilter.And(new ItemFilter.Not(a), b), FilterParser.Parse("not exists(a) and exists(b)"));
    }

    [Theory]
    [InlineData("", 1, "the filter is empty")]
    [InlineData("status", 7, "expected = or <> after the attribute status, found the end of the filter")]
    [InlineData("status = ", 10, "expected a value: a \"string\", a number, true or false, found the end of the filter")]
    [InlineData("status = active", 10, "expected a value: a \"string\", a number, true or false, found 'active'")]
    [InlineData("status = \"active", 10, "this string has no closing \"")]
    [InlineData("status = \"a\" and", 17, "expected a test")]
    [InlineData("status = \"a\" status = \"b\"", 14, "expected and, or, or the end of the filter, found 'status'")]
    [InlineData("(exists(a)", 11, "expected ')' or and/or, found the end of the filter")]
    [InlineData("begins_with(pk 'x')", 16, "expected ',' after pk in begins_with(path, \"prefix\"), found the string \"x\"")]
    [InlineData("begins_with(pk, 3)", 17, "expected a \"string\" prefix")]
    [InlineData("contains(pk, \"x\")", 1, "unknown function 'contains'")]
    [InlineData("status > 3", 8, "unexpected character '>'")]
    [InlineData("n = 1.2.3", 5, "'1.2.3' is not a number")]
    [InlineData("a. = 1", 4, "expected the name of a map field after '.', found '='")]
    [InlineData("exists(``)", 8, "expected an attribute name between the backticks")]
    public void Parse_BadFilter_NamesThePositionAndWhatWasExpected(string text, int position, string message)
    {
        var error = Assert.Throws<FilterSyntaxException>(() => FilterParser.Parse(text));
        Assert.Equal(position, error.Position);
        Assert.StartsWith($"at position {position}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DeepNesting_IsRefusedNotOverflowed()
    {
        var text = string.Concat(Enumerable.Repeat("not ", 10_000)) + "exists(a)";
        Assert.Throws<FilterSyntaxException>(() => FilterParser.Parse(text));
    }

    [Fact]
    public void ToString_ParsesBackToTheSameFilter() =>
        SelectionGen.Filter(3).Sample(filter => Assert.Equal(filter, FilterParser.Parse(filter.ToString()!)), iter: 500);
}
