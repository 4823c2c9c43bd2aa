namespace Replicator.Aws;

/// <summary>
/// A region the AWS SDK does not know, asked for without an endpoint override. Without one, requests
/// would go to a host name that does not resolve, and be retried for ever as a network error; so the
/// client is refused when it is made, with a message that says how to reach a DynamoDB-compatible
/// endpoint (moto, LocalStack, DynamoDB Local) under any region name.
/// </summary>
public sealed class UnknownRegionException(string region)
    : Exception(
        $"'{region}' is not an AWS region this build knows (e.g. us-east-1, eu-west-1, cn-north-1, us-gov-west-1). "
        + "For a DynamoDB-compatible endpoint under another region name, give the endpoint with --endpoint URL "
        + "or AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_DYNAMODB_STREAMS, AWS_ENDPOINT_URL_SQS).")
{
    /// <summary>The region as given.</summary>
    public string Region { get; } = region;
}
