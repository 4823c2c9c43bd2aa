namespace Replicator.Aws.Credentials;

/// <summary>The seam to STS: credentials for a role (<see cref="StsRoleIssuer"/> on AWS, a fake in tests).</summary>
internal interface IRoleIssuer
{
    /// <summary>Assumes <paramref name="role"/> for <paramref name="duration"/>; a refusal is thrown as a <see cref="RoleRefusedException"/> naming the role.</summary>
    Task<IssuedCredentials> AssumeAsync(AssumedRole role, TimeSpan duration, CancellationToken cancellationToken);
}
