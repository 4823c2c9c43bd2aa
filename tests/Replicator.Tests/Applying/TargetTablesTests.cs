using Replicator.Applying;

namespace Replicator.Tests.Applying;

public sealed class TargetTablesTests
{
    [Fact]
    public void Parse_RegionAndTable_HasNoArn_AndIsNamedByTable()
    {
        var target = TargetTables.Parse("us-west-2:users");

        Assert.Equal(new TargetTable("us-west-2", "users"), target);
        Assert.Null(target.Arn);
        Assert.Equal("users", target.RequestName);
        Assert.Equal("us-west-2:users", target.ToString());
    }

    [Fact]
    public void Parse_TableArn_KeepsTheArn_SoTheAccountIsNotLost()
    {
        const string arn = "arn:aws:dynamodb:eu-west-1:210987654321:table/users.v2";

        var target = TargetTables.Parse(arn);

        Assert.Equal(("eu-west-1", "users.v2", arn), (target.Region, target.TableName, target.Arn));
        Assert.Equal(arn, target.RequestName);
        Assert.Equal(arn, target.ToString());
    }

    [Fact]
    public void ParseList_SameRegionAndNameInTwoAccounts_AreTwoTargets()
    {
        var targets = TargetTables.ParseList("arn:aws:dynamodb:us-west-2:111111111111:table/users,arn:aws:dynamodb:us-west-2:222222222222:table/users");

        Assert.Equal(["111111111111", "222222222222"], targets.Select(t => t.Arn!.Split(':')[4]));
    }

    [Fact]
    public void ParseList_SameArnTwice_IsRefused()
    {
        const string arn = "arn:aws:dynamodb:us-west-2:111111111111:table/users";

        var error = Assert.Throws<FormatException>(() => TargetTables.ParseList($"{arn},{arn}"));

        Assert.Contains($"{arn} is listed twice", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("arn:aws:dynamodb:us-west-2:12345:table/users")]
    [InlineData("arn:aws:dynamodb:us-west-2::table/users")]
    public void Parse_ArnWithoutAnAccountId_IsRefused(string text)
    {
        var error = Assert.Throws<FormatException>(() => TargetTables.Parse(text));

        Assert.Contains(text, error.Message, StringComparison.Ordinal);
    }

    /// <summary>A partition the region is not in would give one table a second identity, and slip past the check that no target is the source.</summary>
    [Theory]
    [InlineData("arn:aws-cn:dynamodb:us-east-1:111111111111:table/src")]
    [InlineData("arn:aws:dynamodb:cn-north-1:111111111111:table/src")]
    [InlineData("arn:aws:dynamodb:us-gov-west-1:111111111111:table/src")]
    public void Parse_ArnWhosePartitionIsNotTheRegions_IsRefused(string text)
    {
        var error = Assert.Throws<FormatException>(() => TargetTables.Parse(text));

        Assert.Contains("partition", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("arn:aws-cn:dynamodb:cn-north-1:111111111111:table/src", "cn-north-1")]
    [InlineData("arn:aws-us-gov:dynamodb:us-gov-west-1:111111111111:table/src", "us-gov-west-1")]
    [InlineData("arn:aws-eusc:dynamodb:eusc-de-east-1:111111111111:table/src", "eusc-de-east-1")]
    [InlineData("eusc-de-east-1:src", "eusc-de-east-1")]
    public void Parse_TablesOfOtherPartitions_AreRead(string text, string region) =>
        Assert.Equal(region, TargetTables.Parse(text).Region);
}
