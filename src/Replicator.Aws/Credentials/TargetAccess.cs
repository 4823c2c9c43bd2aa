using Replicator.Applying;

namespace Replicator.Aws.Credentials;

/// <summary>
/// Which targets are reached through a role, and which one. The target's identity stays its
/// <see cref="TargetTable"/> (progress files, reports and letters compare that); the role only says
/// how its requests are signed. A target not listed is signed with the caller's own credentials.
/// </summary>
public sealed class TargetAccess(IReadOnlyDictionary<TargetTable, AssumedRole> roles)
{
    public static readonly TargetAccess None = new(new Dictionary<TargetTable, AssumedRole>());

    public IReadOnlyDictionary<TargetTable, AssumedRole> Roles { get; } = roles;

    /// <summary>The role <paramref name="table"/>'s requests are signed with, or null for the caller's credentials.</summary>
    public AssumedRole? RoleFor(TargetTable table) => Roles.GetValueOrDefault(table);
}
