using Replicator.Aws;
using Replicator.Aws.MultiActive;
using Replicator.IntegrationTests.Support;
using Replicator.MultiActive;

namespace Replicator.IntegrationTests.MultiActive;

/// <summary>The fault tests against the SDK implementation.</summary>
[Collection(MotoCollection.Name)]
public sealed class DynamoDbRegionTablesFaultTests(MotoServer moto) : RegionTablesFaultTests(moto)
{
    protected override IRegionTables Tables(AwsClients clients, string region) => new DynamoDbRegionTables(clients.DynamoDb(region), region);
}
