using Replicator.Applying;
using Replicator.Aws.Credentials;
using Replicator.Lambda;

namespace Replicator.Tests.Credentials;

/// <summary>The |role= form of REPLICATION_TARGETS.</summary>
public sealed class LambdaTargetRolesTests
{
    private const string WriterArn = "arn:aws:iam::222222222222:role/replicator-writer";
    private const string TargetArn = "arn:aws:dynamodb:us-west-2:222222222222:table/users";

    private static LambdaConfiguration Load(string targets, string? functionName = "users-replicator") =>
        LambdaConfiguration.Load(name => name switch
        {
            "REPLICATION_TARGETS" => targets,
            "AWS_LAMBDA_FUNCTION_NAME" => functionName,
            _ => null,
        });

    private static string Refused(string targets) =>
        Assert.Throws<ConfigurationException>(() => Load(targets)).Message;

    [Fact]
    public void Load_TargetWithRole_KeepsTheTargetAsItsIdentityAndTheRoleBesideIt()
    {
        var configuration = Load($"{TargetArn}|role={WriterArn},eu-west-1:users");

        var target = new TargetTable("us-west-2", "users", TargetArn);
        Assert.Equal([target, new TargetTable("eu-west-1", "users")], configuration.Targets);
        Assert.Equal(new AssumedRole(WriterArn, null, "users-replicator"), configuration.Access.RoleFor(target));
        Assert.Null(configuration.Access.RoleFor(new TargetTable("eu-west-1", "users")));
    }

    [Fact]
    public void Load_RoleAndExternalId_BothKept()
    {
        var configuration = Load($" {TargetArn} | role={WriterArn} | external-id=ext=1:a/b ");

        Assert.Equal("ext=1:a/b", Assert.Single(configuration.Access.Roles).Value.ExternalId);
    }

    [Fact]
    public void Load_NoFunctionName_SessionIsTheDefault() =>
        Assert.Equal(AssumedRole.DefaultSessionName, Assert.Single(Load($"{TargetArn}|role={WriterArn}", functionName: null).Access.Roles).Value.Session);

    [Fact]
    public void Load_NoRoles_NoAccess() => Assert.Empty(Load("us-west-2:users").Access.Roles);

    [Theory]
    [InlineData("us-west-2:users|role=writer", "is not an IAM role ARN")]
    [InlineData("us-west-2:users|external-id=abc", "no role=ROLE_ARN")]
    [InlineData("us-west-2:users|arn:aws:iam::222222222222:role/w", "is not role=ROLE_ARN or external-id=ID")]
    [InlineData("us-west-2:users|role=arn:aws:iam::222222222222:role/w|role=arn:aws:iam::222222222222:role/w", "gives role twice")]
    [InlineData("us-west-2:users|role=arn:aws:iam::222222222222:role/w,us-west-2:users", "listed twice")]
    [InlineData("us-west-2|role=arn:aws:iam::222222222222:role/w", "region:table")]
    public void Load_BadRoleForm_IsRefusedNamingTheVariableAndTheFault(string targets, string fault)
    {
        var message = Refused(targets);

        Assert.StartsWith("REPLICATION_TARGETS is not valid:", message, StringComparison.Ordinal);
        Assert.Contains(fault, message, StringComparison.Ordinal);
        Assert.Contains("|role=ROLE_ARN", message, StringComparison.Ordinal);
    }
}
