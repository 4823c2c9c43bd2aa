namespace Replicator.IntegrationTests.Engine;

/// <summary>Which <see cref="Replicator.Applying.ITargetWriter"/> the engine writes with, for the suites run against both.</summary>
public enum WriterKind
{
    /// <summary>What the hosts use: <see cref="Replicator.Aws.AwsClients.Writer"/>, DynamoDB's JSON protocol without the SDK's marshaller.</summary>
    Hosts,

    /// <summary>The SDK's client and marshaller (<see cref="Replicator.Aws.DynamoDbTargetWriter"/>), the benchmark's baseline.</summary>
    Sdk,
}
