using System.CommandLine;
using System.CommandLine.Parsing;
using Replicator.Applying;
using Replicator.Aws.Credentials;

namespace Replicator.Cli;

/// <summary>
/// <c>--target-role</c> and <c>--target-external-id</c>, each applying to the <c>--target</c> just
/// before it on the command line, and <c>--role-session-name</c> for every role: which targets are
/// written through an assumed role (<see cref="TargetAccess"/>). The pairing needs the order of the
/// tokens, so it is read from the whole parse, after the options' own checks.
/// </summary>
internal sealed class TargetRoleOptions
{
    private const string TargetOption = "--target";

    public Option<string[]> Role { get; } = Repeatable(
        "--target-role",
        "An IAM role to assume (STS AssumeRole) for the --target just before it, e.g. arn:aws:iam::222222222222:role/replicator-writer: that target's requests are signed with the role's credentials, refreshed before they expire. Give it once per target that needs one.",
        AssumedRole.CheckArn);

    public Option<string[]> ExternalId { get; } = Repeatable(
        "--target-external-id",
        "The external id the role of the --target just before it asks for (its trust policy's sts:ExternalId condition). Needs a --target-role for that target.",
        AssumedRole.CheckExternalId);

    public Option<string?> SessionName { get; } = new("--role-session-name")
    {
        Description = $"The session name of every assumed role, as the target account's CloudTrail shows it (default {AssumedRole.DefaultSessionName}).",
        CustomParser = result => AssumedRole.CheckSessionName(result.Tokens.Single().Value) is { } problem
            ? CommonOptions.Error<string?>(result, $"--role-session-name: {problem}", null)
            : result.Tokens.Single().Value,
    };

    /// <summary>Adds the three options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Role);
        command.Options.Add(ExternalId);
        command.Options.Add(SessionName);
    }

    /// <summary>
    /// The role of each target, paired by position: the n-th <c>--target</c> on the command line is
    /// <c>targets[n]</c>. A role or external id before any <c>--target</c>, twice for one target, or
    /// an external id without a role is a usage error naming the option.
    /// </summary>
    public TargetAccess Access(ParseResult parsed, IReadOnlyList<TargetTable> targets)
    {
        var roles = new Dictionary<int, string>();
        var externalIds = new Dictionary<int, string>();
        var target = -1;
        var tokens = parsed.Tokens;
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Type != TokenType.Option)
            {
                continue;
            }

            var name = tokens[i].Value;
            if (name == TargetOption)
            {
                target++;
            }
            else if ((name == Role.Name || name == ExternalId.Name) && i + 1 < tokens.Count && tokens[i + 1].Type == TokenType.Argument)
            {
                Pair(name == Role.Name ? roles : externalIds, name, target, tokens[i + 1].Value, targets);
            }
        }

        if (externalIds.Keys.FirstOrDefault(index => !roles.ContainsKey(index), -1) is var lone and >= 0)
        {
            throw new UsageException($"{ExternalId.Name}: target {targets[lone]} has an external id but no {Role.Name}; give the role before its external id (--target {targets[lone]} {Role.Name} ARN {ExternalId.Name} ID).");
        }

        var session = parsed.GetValue(SessionName);
        return new TargetAccess(roles.ToDictionary(
            pair => targets[pair.Key],
            pair => new AssumedRole(pair.Value, externalIds.GetValueOrDefault(pair.Key), session)));
    }

    /// <summary>A target as options that name it again, with its role: for the commands a command suggests running next.</summary>
    public static string Spell(TargetTable target, TargetAccess access) => access.RoleFor(target) switch
    {
        null => $"{TargetOption} {target}",
        { ExternalId: null } role => $"{TargetOption} {target} --target-role {role.RoleArn}",
        var role => $"{TargetOption} {target} --target-role {role.RoleArn} --target-external-id {role.ExternalId}",
    };

    private static void Pair(Dictionary<int, string> values, string option, int target, string value, IReadOnlyList<TargetTable> targets)
    {
        if (target < 0 || target >= targets.Count)
        {
            throw new UsageException($"{option}: '{value}' comes before any --target; it applies to the --target just before it (e.g. --target us-west-2:users {option} {value}).");
        }

        if (!values.TryAdd(target, value))
        {
            throw new UsageException($"{option}: target {targets[target]} is given two ('{values[target]}' and '{value}'); give it once, after its --target.");
        }
    }

    private static Option<string[]> Repeatable(string name, string description, Func<string, string?> check) => new(name)
    {
        Description = description,
        AllowMultipleArgumentsPerToken = false,
        CustomParser = result =>
        {
            foreach (var token in result.Tokens)
            {
                if (check(token.Value) is { } problem)
                {
                    result.AddError($"{name}: {problem}");
                }
            }

            return [.. result.Tokens.Select(token => token.Value)];
        },
    };
}
