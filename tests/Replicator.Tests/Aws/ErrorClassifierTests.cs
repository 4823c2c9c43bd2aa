using System.Net;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Replicator.Applying;
using Replicator.Aws;

namespace Replicator.Tests.Aws;

public sealed class ErrorClassifierTests
{
    /// <summary>An error as the SDK unmarshals it from a DynamoDB response: code, message and HTTP status.</summary>
    private static AmazonDynamoDBException ServiceError(string? code, string message, HttpStatusCode status = HttpStatusCode.BadRequest) =>
        new(message, ErrorType.Sender, code, "request-1", status);

    private static TargetErrorKind Kind(Exception exception) => ErrorClassifier.Classify(exception, "PutItem on us-west-2:target").Kind;

    [Theory]
    [InlineData("ProvisionedThroughputExceededException")]
    [InlineData("ThrottlingException")]
    [InlineData("RequestLimitExceeded")]
    [InlineData("TransactionConflictException")]
    [InlineData("LimitExceededException")]
    [InlineData("ReplicatedWriteConflictException")]
    [InlineData("ExpiredTokenException")]
    public void Classify_ThrottlingContentionAndExpiredCredentials_AreRetryable(string code) =>
        Assert.Equal(TargetErrorKind.Retryable, Kind(ServiceError(code, "try again")));

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, "InternalServerError")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable")]
    [InlineData(HttpStatusCode.BadGateway, null)]
    public void Classify_5xx_IsRetryable(HttpStatusCode status, string? code) =>
        Assert.Equal(TargetErrorKind.Retryable, Kind(ServiceError(code, "the service had a problem", status)));

    [Fact]
    public void Classify_NetworkErrors_AreRetryable()
    {
        Assert.Equal(TargetErrorKind.Retryable, Kind(new HttpRequestException("Connection refused")));
        Assert.Equal(TargetErrorKind.Retryable, Kind(new IOException("The response ended prematurely.")));
        Assert.Equal(TargetErrorKind.Retryable, Kind(new TimeoutException()));
        Assert.Equal(TargetErrorKind.Retryable, Kind(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout")));
        Assert.Equal(TargetErrorKind.Retryable, Kind(new AmazonServiceException("connection reset", new IOException("reset"))));
    }

    [Theory]
    [InlineData("The provided key element does not match the schema")]
    [InlineData("One or more parameter values were invalid: Missing the key pk in the item")]
    [InlineData("One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N")]
    public void Classify_KeySchemaValidation_IsFatal_TheTargetIsMisconfigured(string message)
    {
        var error = ErrorClassifier.Classify(ServiceError("ValidationException", message), "BatchWriteItem on us-west-2:target");

        Assert.Equal(TargetErrorKind.Fatal, error.Kind);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains("ValidationException", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ValidationException", "Item size has exceeded the maximum allowed size")]
    [InlineData("ValidationException", "Item size to update has exceeded the maximum allowed size")]
    [InlineData("ItemCollectionSizeLimitExceededException", "Item collection size limit exceeded")]
    public void Classify_ItemRefused_IsPoison(string code, string message) =>
        Assert.Equal(TargetErrorKind.Poison, Kind(ServiceError(code, message)));

    [Theory]
    [InlineData("ResourceNotFoundException", "Requested resource not found")]
    [InlineData("AccessDeniedException", "User is not authorized to perform: dynamodb:BatchWriteItem")]
    [InlineData("UnrecognizedClientException", "The security token included in the request is invalid.")]
    public void Classify_MissingTableOrAccessDenied_IsFatal(string code, string message) =>
        Assert.Equal(TargetErrorKind.Fatal, Kind(ServiceError(code, message)));

    /// <summary>The SDK's writer classifies what it throws, the project's own writer what it was answered: one rule table for both.</summary>
    [Theory]
    [InlineData("ThrottlingException", "Rate exceeded", HttpStatusCode.BadRequest)]
    [InlineData("ValidationException", "The provided key element does not match the schema", HttpStatusCode.BadRequest)]
    [InlineData("ValidationException", "Item size has exceeded the maximum allowed size", HttpStatusCode.BadRequest)]
    [InlineData("SerializationException", "Unexpected token", HttpStatusCode.BadRequest)]
    [InlineData(null, "Service unavailable", HttpStatusCode.ServiceUnavailable)]
    [InlineData("ResourceNotFoundException", "Requested resource not found", HttpStatusCode.BadRequest)]
    [InlineData(null, "Forbidden", HttpStatusCode.Forbidden)]
    public void Classify_FromCodeStatusAndMessage_IsWhatTheSdksExceptionGets(string? code, string message, HttpStatusCode status) =>
        Assert.Equal(
            ErrorClassifier.Classify(ServiceError(code, message, status), "PutItem on us-west-2:target"),
            ErrorClassifier.Classify(code, status, message, "PutItem on us-west-2:target"));
}
