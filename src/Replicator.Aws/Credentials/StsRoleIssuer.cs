using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace Replicator.Aws.Credentials;

/// <summary>STS AssumeRole, signed with the caller's own credentials.</summary>
internal sealed class StsRoleIssuer(IAmazonSecurityTokenService sts) : IRoleIssuer
{
    public async Task<IssuedCredentials> AssumeAsync(AssumedRole role, TimeSpan duration, CancellationToken cancellationToken)
    {
        AssumeRoleResponse answer;
        try
        {
            answer = await sts.AssumeRoleAsync(
                new AssumeRoleRequest
                {
                    RoleArn = role.RoleArn,
                    RoleSessionName = role.Session,
                    ExternalId = role.ExternalId,
                    DurationSeconds = (int)duration.TotalSeconds,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException e)
        {
            throw new RoleRefusedException(role, e);
        }

        var issued = answer.Credentials;
        return new IssuedCredentials(
            new ImmutableCredentials(issued.AccessKeyId, issued.SecretAccessKey, issued.SessionToken),
            issued.Expiration is { } expiration
                ? new DateTimeOffset(Utc(expiration))
                : throw new RoleRefusedException(role, new AmazonServiceException("STS answered without an expiry time for the credentials")));
    }

    /// <summary>The SDK may give the expiry as local time; an unspecified kind is taken as UTC, as STS writes it.</summary>
    private static DateTime Utc(DateTime time) =>
        time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : time.ToUniversalTime();
}
