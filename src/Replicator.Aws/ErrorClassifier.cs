using System.Net;
using Amazon.Runtime;
using Replicator.Applying;

namespace Replicator.Aws;

/// <summary>Sorts what the SDK throws into what the engine does about it: retry, dead-letter, or fail.</summary>
internal static class ErrorClassifier
{
    /// <summary>Error codes DynamoDB uses for throttling and contention: always worth another try.</summary>
    private static readonly HashSet<string> Throttling = new(StringComparer.Ordinal)
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionConflictException",
        "LimitExceededException",
        "RequestThrottled",
        "RequestThrottledException",
        "Throttling",
    };

    /// <summary>The service refused the item itself: retrying can never help.</summary>
    private static readonly HashSet<string> Poison = new(StringComparer.Ordinal)
    {
        "ValidationException",
        "ItemCollectionSizeLimitExceededException",
        "SerializationException",
    };

    public static TargetWriteException Classify(Exception exception, string what)
    {
        var kind = exception switch
        {
            AmazonServiceException { ErrorCode: { } throttled } when Throttling.Contains(throttled) => TargetErrorKind.Retryable,
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
        return new TargetWriteException(kind, message, exception);
    }
}
