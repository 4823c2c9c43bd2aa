using System.Net;
using Amazon.Runtime;
using Replicator.Applying;

namespace Replicator.Aws;

/// <summary>Sorts what the SDK throws into what the engine does about it: retry, dead-letter, or fail.</summary>
internal static class ErrorClassifier
{
    /// <summary>
    /// Error codes DynamoDB uses for throttling and contention, and for credentials that expired
    /// mid-flight (the SDK fetches fresh ones for the next request): always worth another try.
    /// </summary>
    private static readonly HashSet<string> Throttling = new(StringComparer.Ordinal)
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionConflictException",
        "ReplicatedWriteConflictException",
        "LimitExceededException",
        "RequestThrottled",
        "RequestThrottledException",
        "Throttling",
        "ExpiredTokenException",
    };

    /// <summary>
    /// ValidationException messages that mean the item does not fit the target's key schema: the
    /// target is the wrong table or has another key, which no record caused and no dead letter
    /// repairs. Every record would go the same way, so these fail instead of dead-lettering.
    /// </summary>
    private static readonly string[] KeySchemaMismatch =
    [
        "The provided key element does not match the schema",
        "Missing the key",
        "Type mismatch for key",
    ];

    /// <summary>The service refused the item itself (too large, say): retrying can never help.</summary>
    private static readonly HashSet<string> Poison = new(StringComparer.Ordinal)
    {
        "ValidationException",
        "ItemCollectionSizeLimitExceededException",
        "SerializationException",
    };

    public static Refusal Classify(Exception exception, string what)
    {
        var kind = exception switch
        {
            AmazonServiceException { ErrorCode: { } throttled } when Throttling.Contains(throttled) => TargetErrorKind.Retryable,
            AmazonServiceException { ErrorCode: "ValidationException" } invalid when IsKeySchemaMismatch(invalid.Message) => TargetErrorKind.Fatal,
            AmazonServiceException { ErrorCode: { } refused } when Poison.Contains(refused) => TargetErrorKind.Poison,
            AmazonServiceException { StatusCode: >= HttpStatusCode.InternalServerError } => TargetErrorKind.Retryable,
            AmazonServiceException { ErrorCode: null, InnerException: not null } => TargetErrorKind.Retryable,
            AmazonServiceException { StatusCode: 0 } => TargetErrorKind.Retryable,
            AmazonServiceException => TargetErrorKind.Fatal,
            AmazonClientException or HttpRequestException or IOException or TimeoutException => TargetErrorKind.Retryable,
            OperationCanceledException => TargetErrorKind.Retryable,
            _ => TargetErrorKind.Fatal,
        };
        var code = (exception as AmazonServiceException)?.ErrorCode;
        var message = code is null ? $"{what}: {exception.Message}" : $"{what}: {code}: {exception.Message}";
        return new Refusal(kind, message);
    }

    private static bool IsKeySchemaMismatch(string? message) =>
        message is not null && KeySchemaMismatch.Any(text => message.Contains(text, StringComparison.OrdinalIgnoreCase));
}
