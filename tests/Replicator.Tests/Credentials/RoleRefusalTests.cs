using System.Net;
using Amazon.Runtime;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.Aws.Credentials;

namespace Replicator.Tests.Credentials;

public sealed class RoleRefusalTests
{
    private static readonly AssumedRole Writer = new("arn:aws:iam::222222222222:role/replicator-writer");

    private static Refusal Classify(string code, HttpStatusCode status) =>
        ErrorClassifier.Classify(
            new RoleRefusedException(Writer, new AmazonServiceException("User: arn:aws:iam::111111111111:role/fn is not authorized to perform: sts:AssumeRole", null, ErrorType.Sender, code, "r-1", status)),
            "BatchWriteItem on us-west-2:users");

    [Fact]
    public void Classify_AccessDeniedFromSts_IsFatalNamingRoleAndTarget()
    {
        var refusal = Classify("AccessDenied", HttpStatusCode.Forbidden);

        Assert.Equal(TargetErrorKind.Fatal, refusal.Kind);
        Assert.Contains("arn:aws:iam::222222222222:role/replicator-writer", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("us-west-2:users", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("AccessDenied", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Throttling", HttpStatusCode.BadRequest)]
    [InlineData("ServiceUnavailable", HttpStatusCode.ServiceUnavailable)]
    public void Classify_StsThrottledOrDown_IsRetryable(string code, HttpStatusCode status) =>
        Assert.Equal(TargetErrorKind.Retryable, Classify(code, status).Kind);
}
