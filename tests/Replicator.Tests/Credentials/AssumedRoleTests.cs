using Replicator.Aws.Credentials;

namespace Replicator.Tests.Credentials;

public sealed class AssumedRoleTests
{
    [Theory]
    [InlineData("arn:aws:iam::222222222222:role/replicator-writer")]
    [InlineData("arn:aws:iam::222222222222:role/service-role/replicator.writer@x")]
    [InlineData("arn:aws-cn:iam::222222222222:role/w")]
    public void CheckArn_RoleArns_AreAccepted(string arn) => Assert.Null(AssumedRole.CheckArn(arn));

    [Theory]
    [InlineData("arn:aws:iam::2222:role/w")]
    [InlineData("arn:aws:iam::222222222222:user/w")]
    [InlineData("arn:aws:dynamodb:us-west-2:222222222222:table/users")]
    [InlineData("replicator-writer")]
    [InlineData("arn:aws:iam::222222222222:role/")]
    public void CheckArn_NotRoleArns_AreRefusedNamingTheText(string text) =>
        Assert.Contains($"'{text}'", AssumedRole.CheckArn(text), StringComparison.Ordinal);

    [Theory]
    [InlineData("a")]
    [InlineData("has space")]
    [InlineData("has|bar")]
    public void CheckExternalId_Invalid_IsRefused(string text) => Assert.NotNull(AssumedRole.CheckExternalId(text));

    [Fact]
    public void SessionNameFrom_FunctionName_KeepsWhatStsTakes() =>
        Assert.Equal("users-replicator", AssumedRole.SessionNameFrom("users-replicator"));

    [Fact]
    public void SessionNameFrom_NothingUsable_IsTheDefault() =>
        Assert.Equal(AssumedRole.DefaultSessionName, AssumedRole.SessionNameFrom("  "));

    [Fact]
    public void Account_IsTheArnsAccount() =>
        Assert.Equal("222222222222", new AssumedRole("arn:aws:iam::222222222222:role/w").Account);
}
