using Replicator.Aws;
using Replicator.IntegrationTests.Support;
using Replicator.MultiActive;

namespace Replicator.IntegrationTests.MultiActive;

/// <summary>The fault tests against the hosts' region tables (DynamoDB's JSON protocol).</summary>
[Collection(MotoCollection.Name)]
public sealed class DynamoDbHttpRegionTablesFaultTests(MotoServer moto) : RegionTablesFaultTests(moto)
{
    protected override IRegionTables Tables(AwsClients clients, string region) => clients.RegionTables(region);
}
