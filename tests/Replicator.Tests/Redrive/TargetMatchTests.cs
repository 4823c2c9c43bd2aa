using Replicator.Applying;
using Replicator.Redrive;

namespace Replicator.Tests.Redrive;

public sealed class TargetMatchTests
{
    private static readonly TargetTable West = new("us-west-2", "users");
    private static readonly TargetTable WestByArn = TargetTables.Parse("arn:aws:dynamodb:us-west-2:123456789012:table/users");

    [Theory]
    [InlineData("us-west-2:users", true)]
    [InlineData("arn:aws:dynamodb:us-west-2:123456789012:table/users", true)]
    [InlineData("us-west-2:orders", false)]
    [InlineData("eu-west-1:users", false)]
    [InlineData("not a target", false)]
    public void Find_AgainstRegionAndName_MatchesEitherSpellingOfThatTable(string named, bool matches)
    {
        Assert.Equal(matches ? West : null, TargetMatch.Find(named, [West]));
    }

    [Theory]
    [InlineData("us-west-2:users", true)]
    [InlineData("arn:aws:dynamodb:us-west-2:123456789012:table/users", true)]
    [InlineData("arn:aws:dynamodb:us-west-2:210987654321:table/users", false)]
    public void Find_AgainstAnArn_NeverMatchesAnotherAccountsTableOfTheSameName(string named, bool matches)
    {
        Assert.Equal(matches ? WestByArn : null, TargetMatch.Find(named, [WestByArn]));
    }
}
