using System.CommandLine;
using Replicator.Applying;
using Replicator.Aws.Credentials;
using Replicator.Cli;
using Replicator.Tests.Cli;

namespace Replicator.Tests.Credentials;

/// <summary>--target-role and --target-external-id pair with the --target just before them.</summary>
public sealed class TargetRoleOptionsTests
{
    private const string WriterArn = "arn:aws:iam::222222222222:role/replicator-writer";
    private const string OtherArn = "arn:aws:iam::333333333333:role/other-writer";

    private static readonly TargetTable West = new("us-west-2", "users");
    private static readonly TargetTable Europe = new("eu-west-1", "users");

    private static TargetAccess Access(params string[] args)
    {
        var targets = CommonOptions.Targets();
        var roles = new TargetRoleOptions();
        var command = new RootCommand { targets };
        roles.AddTo(command);
        var parsed = command.Parse(args);
        Assert.Empty(parsed.Errors);
        return roles.Access(parsed, parsed.GetRequiredValue(targets));
    }

    [Fact]
    public void Access_RoleAfterTarget_AppliesToThatTargetOnly()
    {
        var access = Access("--target", "us-west-2:users", "--target-role", WriterArn, "--target", "eu-west-1:users");

        Assert.Equal(new AssumedRole(WriterArn), access.RoleFor(West));
        Assert.Null(access.RoleFor(Europe));
    }

    [Fact]
    public void Access_RoleAfterSecondTarget_AppliesToTheSecond()
    {
        var access = Access("--target", "us-west-2:users", "--target", "eu-west-1:users", "--target-role=" + WriterArn);

        Assert.Null(access.RoleFor(West));
        Assert.Equal(WriterArn, access.RoleFor(Europe)?.RoleArn);
    }

    [Fact]
    public void Access_TwoTargetsTwoRoles_EachGetsItsOwn_WithExternalIdAndSessionName()
    {
        var access = Access(
            "--role-session-name", "nightly",
            "--target", "us-west-2:users", "--target-role", WriterArn, "--target-external-id", "ext-222",
            "--target", "eu-west-1:users", "--target-role", OtherArn);

        Assert.Equal(new AssumedRole(WriterArn, "ext-222", "nightly"), access.RoleFor(West));
        Assert.Equal(new AssumedRole(OtherArn, null, "nightly"), access.RoleFor(Europe));
    }

    [Fact]
    public void Access_NoRoles_IsEmpty() =>
        Assert.Empty(Access("--target", "us-west-2:users").Roles);

    [Fact]
    public void Access_RoleBeforeAnyTarget_NamesTheOption()
    {
        var refused = Assert.Throws<UsageException>(() => Access("--target-role", WriterArn, "--target", "us-west-2:users"));

        Assert.StartsWith("--target-role:", refused.Message, StringComparison.Ordinal);
        Assert.Contains("before any --target", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Access_TwoRolesForOneTarget_NamesTheOptionAndTarget()
    {
        var refused = Assert.Throws<UsageException>(() => Access("--target", "us-west-2:users", "--target-role", WriterArn, "--target-role", OtherArn));

        Assert.StartsWith("--target-role:", refused.Message, StringComparison.Ordinal);
        Assert.Contains("us-west-2:users", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Access_ExternalIdWithoutRole_NamesTheOption()
    {
        var refused = Assert.Throws<UsageException>(() => Access("--target", "us-west-2:users", "--target-external-id", "ext-1"));

        Assert.StartsWith("--target-external-id:", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("replicate")]
    [InlineData("verify")]
    [InlineData("backfill")]
    [InlineData("setup")]
    public async Task Command_BadRoleArn_Exits2NamingTheOption(string command)
    {
        var (code, output) = await CliRunner.RunAsync(command, "--source", "us-east-1:users", "--target", "us-west-2:users", "--target-role", "replicator-writer");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--target-role: 'replicator-writer' is not an IAM role ARN", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redrive_BadRoleArn_Exits2NamingTheOption()
    {
        var (code, output) = await CliRunner.RunAsync("redrive", "--queue", "https://sqs.us-east-1.amazonaws.com/123456789012/dlq", "--source", "us-east-1:users", "--target", "us-west-2:users", "--target-role", "arn:aws:iam::1:role/x");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--target-role:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replicate_RoleBeforeAnyTarget_Exits2()
    {
        var (code, output) = await CliRunner.RunAsync("replicate", "--source", "us-east-1:users", "--target-role", WriterArn, "--target", "us-west-2:users");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--target-role:", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Spell_TargetWithRoleAndExternalId_ParsesBackToTheSameAccess()
    {
        var access = Access("--target", "us-west-2:users", "--target-role", WriterArn, "--target-external-id", "ext-222", "--target", "eu-west-1:users");

        var spelled = string.Join(" ", new[] { West, Europe }.Select(target => TargetRoleOptions.Spell(target, access)));

        Assert.Equal($"--target us-west-2:users --target-role {WriterArn} --target-external-id ext-222 --target eu-west-1:users", spelled);
        Assert.Equal(access.Roles, Access(spelled.Split(' ')).Roles);
    }
}
