using Amazon.Runtime;

namespace Replicator.Aws.Credentials;

/// <summary>Temporary credentials and when STS said they stop working.</summary>
internal sealed record IssuedCredentials(ImmutableCredentials Credentials, DateTimeOffset Expiration);
