using Amazon.DynamoDBv2.Model;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.Aws.Credentials;
using Replicator.IntegrationTests.Support;

namespace Replicator.IntegrationTests.CrossAccount;

/// <summary>
/// Another account on moto, reached through a role: moto's STS lets any role be assumed and files
/// what the role's credentials do under the role's account.
/// </summary>
internal static class RoleAccount
{
    public const string Id = "222222222222";

    public static AssumedRole NewRole(string? externalId = null) =>
        new($"arn:aws:iam::{Id}:role/{MotoServer.UniqueName("writer")}", externalId, "replicator-test");

    public static TargetAccess Access(TargetTable target, AssumedRole role) => new(new Dictionary<TargetTable, AssumedRole> { [target] = role });

    /// <summary>A table (partition key <c>pk</c>, S) in the role's account, made with the role's credentials straight on moto.</summary>
    public static async Task<TargetTable> CreateTableAsync(MotoServer moto, string region, AssumedRole role)
    {
        var name = MotoServer.UniqueName("xacct");
        var target = new TargetTable(region, name, $"arn:aws:dynamodb:{region}:{Id}:table/{name}");
        using var clients = new AwsClients(MotoServer.Credentials, moto.Endpoint, access: Access(target, role));
        await clients.DynamoDb(target).CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            BillingMode = Amazon.DynamoDBv2.BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("pk", "S")],
            KeySchema = [new KeySchemaElement("pk", Amazon.DynamoDBv2.KeyType.HASH)],
        }, TestContext.Current.CancellationToken);
        return target;
    }
}
