using System.Text.Json;
using CsCheck;
using Replicator.Filtering;
using Replicator.Model;
using Item = System.Collections.Generic.IReadOnlyDictionary<string, Replicator.Model.DynamoValue>;

namespace Replicator.Tests.Filtering;

public sealed class LambdaPrefilterTests
{
    private static IReadOnlyList<string> Patterns(string filter) =>
        Assert.IsType<Prefilter.Patterns>(LambdaPrefilter.Of(FilterParser.Parse(filter))).Filters;

    private static string Refusal(string filter) =>
        Assert.IsType<Prefilter.NotExpressible>(LambdaPrefilter.Of(FilterParser.Parse(filter))).Reason;

    [Fact]
    public void Of_PrefixAndEquality_IsOnePatternOnEachImage() =>
        Assert.Equal(
            [
                """{"dynamodb":{"NewImage":{"pk":{"S":[{"prefix":"tenant#eu"}]},"status":{"S":["active"]}}}}""",
                """{"dynamodb":{"OldImage":{"pk":{"S":[{"prefix":"tenant#eu"}]},"status":{"S":["active"]}}}}""",
            ],
            Patterns("begins_with(pk, \"tenant#eu\") and status = \"active\""));

    [Fact]
    public void Of_BooleanAndMapField_AreTypedValues() =>
        Assert.Equal(
            """{"dynamodb":{"NewImage":{"address":{"M":{"city":{"S":["Paris"]}}},"vip":{"BOOL":[true]}}}}""",
            Patterns("vip = true and address.city = \"Paris\"")[0]);

    [Theory]
    [InlineData("n = 1", "compares a number")]
    [InlineData("exists(a)", "not whether it exists")]
    [InlineData("not status = \"a\"", "cannot say 'not'")]
    [InlineData("status <> \"a\"", "cannot say 'not'")]
    [InlineData("status = \"a\" and begins_with(status, \"b\")", "tests one attribute twice")]
    [InlineData("a = \"1\" or a = \"2\" or a = \"3\"", "take 6 Lambda filters")]
    public void Of_WhatAPatternCannotSayExactly_IsRefusedSayingWhy(string filter, string reason) =>
        Assert.Contains(reason, Refusal(filter), StringComparison.Ordinal);

    private static readonly ItemFilter[] Expressible =
    [
        new ItemFilter.Equal(new AttributePath(["status"]), DynamoValue.String("active")),
        new ItemFilter.Equal(new AttributePath(["flag"]), DynamoValue.True),
        new ItemFilter.BeginsWith(new AttributePath(["pk"]), "eu#"),
        new ItemFilter.Equal(new AttributePath(["address", "city"]), DynamoValue.String("Paris")),
    ];

    private static Gen<ItemFilter> AndOr(int depth) => depth == 0
        ? Gen.Int[0, Expressible.Length - 1].Select(i => Expressible[i])
        : Gen.Select(Gen.Int[0, 2], AndOr(depth - 1), AndOr(depth - 1)).Select((kind, a, b) => kind switch
        {
            0 => (ItemFilter)new ItemFilter.And(a, b),
            1 => new ItemFilter.Or(a, b),
            _ => a,
        });

    /// <summary>
    /// The patterns pass a record exactly when the filter matches its new image or its old image
    /// (checked with a matcher of the pattern rules the patterns use), so Lambda drops only records
    /// the function would do nothing with.
    /// </summary>
    [Fact]
    public void Of_Patterns_PassARecordExactlyWhenTheFilterMatchesANewOrOldImage() =>
        Gen.Select(AndOr(2), Gen.Int[0, SelectionGen.Keys.Length - 1].SelectMany(SelectionGen.Item), Gen.Int[0, SelectionGen.Keys.Length - 1].SelectMany(SelectionGen.Item), Gen.Bool)
            .Sample((filter, newImage, oldImage, removed) =>
            {
                if (LambdaPrefilter.Of(filter) is not Prefilter.Patterns patterns)
                {
                    return true;
                }

                var record = Record(removed ? null : newImage, oldImage);
                var passes = patterns.Filters.Any(pattern => Matches(JsonDocument.Parse(pattern).RootElement, record));
                return passes == ((!removed && filter.Matches(newImage)) || filter.Matches(oldImage));
            }, iter: 1000);

    private static JsonElement Record(Item? newImage, Item oldImage)
    {
        var images = (newImage is null ? "" : $"\"NewImage\":{DynamoJson.ToJson(newImage)},") + $"\"OldImage\":{DynamoJson.ToJson(oldImage)}";
        return JsonDocument.Parse("{\"eventName\":\"MODIFY\",\"dynamodb\":{" + images + "}}").RootElement;
    }

    /// <summary>Lambda's pattern rules as far as these patterns use them: objects match field by field, an array is a list of values or prefixes, one of which the leaf must match.</summary>
    private static bool Matches(JsonElement pattern, JsonElement value)
    {
        foreach (var field in pattern.EnumerateObject())
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(field.Name, out var actual))
            {
                return false;
            }

            var ok = field.Value.ValueKind == JsonValueKind.Array
                ? field.Value.EnumerateArray().Any(rule => rule.ValueKind == JsonValueKind.Object
                    ? actual.ValueKind == JsonValueKind.String && actual.GetString()!.StartsWith(rule.GetProperty("prefix").GetString()!, StringComparison.Ordinal)
                    : JsonElement.DeepEquals(rule, actual))
                : Matches(field.Value, actual);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
