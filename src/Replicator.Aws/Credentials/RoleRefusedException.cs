using Amazon.Runtime;

namespace Replicator.Aws.Credentials;

/// <summary>
/// STS did not give credentials for a role. It keeps STS's error code and status, so the one rule
/// table (<see cref="ErrorClassifier"/>) sorts it like any service error: AccessDenied (403) is fatal,
/// throttling and 5xx are worth another try; and its message names the role.
/// </summary>
internal sealed class RoleRefusedException : AmazonServiceException
{
    public RoleRefusedException(AssumedRole role, AmazonServiceException refusal)
        : base($"assuming role {role.RoleArn}{(role.ExternalId is null ? "" : " (with an external id)")}: {refusal.Message}", refusal)
    {
        Role = role;
        ErrorCode = refusal.ErrorCode;
        StatusCode = refusal.StatusCode;
        ErrorType = refusal.ErrorType;
        RequestId = refusal.RequestId;
    }

    public AssumedRole Role { get; }
}
