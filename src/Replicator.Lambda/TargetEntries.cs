using Replicator.Applying;
using Replicator.Aws.Credentials;

namespace Replicator.Lambda;

/// <summary>
/// <c>REPLICATION_TARGETS</c> with roles: comma-separated entries, each a target (<c>region:table</c>
/// or a table ARN) optionally followed by <c>|role=ROLE_ARN</c> and then <c>|external-id=ID</c>, e.g.
/// <c>arn:aws:dynamodb:us-west-2:222222222222:table/users|role=arn:aws:iam::222222222222:role/writer</c>.
/// A target with a role is written with that role's credentials (STS AssumeRole, session named
/// after the function); one without, with the function's own.
/// </summary>
internal static class TargetEntries
{
    public const string Form =
        "one or more target tables, as region:table or a table ARN, each optionally followed by |role=ROLE_ARN and |external-id=ID, separated by commas (e.g. us-west-2:users,arn:aws:dynamodb:eu-west-1:222222222222:table/users|role=arn:aws:iam::222222222222:role/replicator-writer)";

    /// <summary>The targets in order, and the roles of those that have one. Throws <see cref="FormatException"/> naming the entry at fault.</summary>
    public static (IReadOnlyList<TargetTable> Targets, TargetAccess Access) Parse(string text, string sessionName)
    {
        var entries = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (entries.Length == 0)
        {
            throw new FormatException("no target given");
        }

        var targets = new List<TargetTable>();
        var roles = new Dictionary<TargetTable, AssumedRole>();
        foreach (var entry in entries)
        {
            var parts = entry.Split('|', StringSplitOptions.TrimEntries);
            var target = TargetTables.Parse(parts[0]);
            if (targets.Contains(target))
            {
                throw new FormatException($"target {target} is listed twice");
            }

            targets.Add(target);
            if (RoleOf(entry, parts[1..], sessionName) is { } role)
            {
                roles[target] = role;
            }
        }

        return (targets, new TargetAccess(roles));
    }

    private static AssumedRole? RoleOf(string entry, string[] settings, string sessionName)
    {
        string? arn = null, externalId = null;
        foreach (var setting in settings)
        {
            var equals = setting.IndexOf('=', StringComparison.Ordinal);
            var (key, value) = equals < 0 ? (setting, "") : (setting[..equals], setting[(equals + 1)..]);
            switch (key)
            {
                case "role" when arn is null:
                    arn = AssumedRole.CheckArn(value) is { } problem ? throw new FormatException($"in '{entry}': {problem}") : value;
                    break;
                case "external-id" when externalId is null:
                    externalId = AssumedRole.CheckExternalId(value) is { } problem2 ? throw new FormatException($"in '{entry}': {problem2}") : value;
                    break;
                case "role" or "external-id":
                    throw new FormatException($"'{entry}' gives {key} twice");
                default:
                    throw new FormatException($"'{setting}' in '{entry}' is not role=ROLE_ARN or external-id=ID");
            }
        }

        return arn is not null
            ? new AssumedRole(arn, externalId, sessionName)
            : externalId is not null ? throw new FormatException($"'{entry}' has an external-id but no role=ROLE_ARN") : null;
    }
}
