using System.Net;
using Amazon.Runtime;
using Replicator.Applying;
using Replicator.Aws.Http;

namespace Replicator.Aws;

/// <summary>Sorts AWS errors, thrown by the SDK or answered to the project's own client, into what the engine does about it: retry, dead-letter, or fail.</summary>
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

    /// <summary>Classifies what the SDK threw: a service error by its code, status and message, anything else by its type.</summary>
    public static Refusal Classify(Exception exception, string what) => exception switch
    {
        // No error code, but a cause: the SDK wrapped a failure to reach the service or to read its answer.
        AmazonServiceException { ErrorCode: null, InnerException: not null } => new Refusal(TargetErrorKind.Retryable, $"{what}: {exception.Message}"),
        AmazonServiceException service => Classify(service.ErrorCode, service.StatusCode, service.Message, what),
        AmazonClientException or HttpRequestException or IOException or TimeoutException or OperationCanceledException => Unreachable(exception, what),
        _ => new Refusal(TargetErrorKind.Fatal, $"{what}: {exception.Message}"),
    };

    /// <summary>
    /// Classifies an error answer from its error code (the <c>__type</c> after the <c>#</c>; null when
    /// the answer had none), HTTP status (0 when there was none) and message: the one rule table for
    /// the SDK's clients and the project's own JSON-protocol writer.
    /// </summary>
    public static Refusal Classify(string? code, HttpStatusCode status, string? message, string what)
    {
        var kind = code switch
        {
            { } throttled when Throttling.Contains(throttled) => TargetErrorKind.Retryable,
            "ValidationException" when IsKeySchemaMismatch(message) => TargetErrorKind.Fatal,
            { } refused when Poison.Contains(refused) => TargetErrorKind.Poison,
            _ when status >= HttpStatusCode.InternalServerError => TargetErrorKind.Retryable,
            _ when status == 0 => TargetErrorKind.Retryable,
            _ => TargetErrorKind.Fatal,
        };
        return new Refusal(kind, code is null ? $"{what}: {message}" : $"{what}: {code}: {message}");
    }

    /// <summary>What the project's JSON-protocol client got instead of a 200, as a refusal of <paramref name="what"/>.</summary>
    public static Refusal Classify(JsonAnswer answer, string what) => answer switch
    {
        JsonAnswer.Error error => Classify(error.Code, error.Status, error.Code is null ? $"HTTP {(int)error.Status}: {error.Message}" : error.Message, what),
        JsonAnswer.ClockCorrected corrected => new Refusal(TargetErrorKind.Retryable, corrected.Describe(what)),
        JsonAnswer.Unreachable unreachable => Unreachable(unreachable.Exception, what),
        JsonAnswer.NoCredentials none => Classify(none.Exception, what),
        _ => throw new InvalidOperationException($"not a refusal: {answer}"),
    };

    /// <summary>The request did not get an answer (refused connection, reset, timeout): worth another try.</summary>
    public static Refusal Unreachable(Exception exception, string what) => new(TargetErrorKind.Retryable, $"{what}: {exception.Message}");

    private static bool IsKeySchemaMismatch(string? message) =>
        message is not null && KeySchemaMismatch.Any(text => message.Contains(text, StringComparison.OrdinalIgnoreCase));
}
