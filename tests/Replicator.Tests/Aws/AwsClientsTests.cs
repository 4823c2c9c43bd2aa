using Amazon.Runtime;
using Replicator.Aws;

namespace Replicator.Tests.Aws;

/// <summary>Client construction: which regions are taken, and where their requests go.</summary>
public sealed class AwsClientsTests
{
    private static readonly BasicAWSCredentials Credentials = new("testing", "testing");

    private static AwsClients Clients(string? endpoint = null, Dictionary<string, string>? environment = null) =>
        new(Credentials, endpoint, name => environment?.GetValueOrDefault(name));

    public static TheoryData<string> Services => ["DynamoDb", "Sqs", "Streams"];

    private static object Make(AwsClients clients, string service, string region) => service switch
    {
        "DynamoDb" => clients.DynamoDb(region),
        "Sqs" => clients.Sqs(region),
        _ => clients.Streams(region),
    };

    [Theory]
    [MemberData(nameof(Services))]
    public void Client_RegionThatDoesNotExist_IsRefusedNamingItAndTheEndpointOverride(string service)
    {
        using var clients = Clients();

        var refused = Assert.Throws<UnknownRegionException>(() => Make(clients, service, "us-east-9"));

        Assert.Equal("us-east-9", refused.Region);
        Assert.Contains("'us-east-9'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--endpoint", refused.Message, StringComparison.Ordinal);
        Assert.Contains("AWS_ENDPOINT_URL", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void Client_AnyRegionWithAnEndpointOverride_IsMade(string service)
    {
        using var given = Clients(endpoint: "http://127.0.0.1:4566");
        using var fromEnvironment = Clients(environment: new() { ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:4566", ["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"] = "http://127.0.0.1:4566" });

        Assert.NotNull(Make(given, service, "us-east-9"));
        Assert.NotNull(Make(fromEnvironment, service, "local-1"));
    }

    [Theory]
    [InlineData("us-east-1", "https://streams.dynamodb.us-east-1.amazonaws.com/")]
    [InlineData("cn-north-1", "https://streams.dynamodb.cn-north-1.amazonaws.com.cn/")]
    [InlineData("us-gov-west-1", "https://streams.dynamodb.us-gov-west-1.amazonaws.com/")]
    public void Streams_KnownRegionOfEachPartition_GoesToItsPartitionsHost(string region, string endpoint)
    {
        using var clients = Clients();

        Assert.Equal(new Uri(endpoint), clients.Streams(region).Endpoint);
        Assert.NotNull(clients.DynamoDb(region));
        Assert.NotNull(clients.Sqs(region));
    }
}
