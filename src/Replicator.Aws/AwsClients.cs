using System.Collections.Concurrent;
using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Replicator.Applying;
using Replicator.Aws.Credentials;
using Replicator.Aws.Http;
using Replicator.Aws.MultiActive;
using Replicator.Aws.Streams;
using Replicator.Aws.Verification;
using Replicator.MultiActive;
using Replicator.Pacing;
using Replicator.Verification;
using Amazon.SecurityToken;
using Amazon.SQS;

namespace Replicator.Aws;

/// <summary>
/// Creates AWS clients once per region and keeps them for the life of the process. An endpoint
/// override (given, or from <c>AWS_ENDPOINT_URL_DYNAMODB</c>/<c>AWS_ENDPOINT_URL_SQS</c>/<c>AWS_ENDPOINT_URL</c>)
/// sends every request there, signed for the client's region, so one local server can stand for
/// many regions. Without an override, a region the SDK does not know is refused with
/// <see cref="UnknownRegionException"/> when its first client is made, rather than sent to a host
/// name that does not resolve. Credentials come from the SDK's standard chain unless given.
/// A target that <paramref name="access"/> puts behind a role is signed with that role's
/// credentials (STS AssumeRole, with the caller's; <see cref="AssumedRoleCredentials"/>), so its
/// clients are made per region and role. SDK retries are off: the engine retries within the host's deadline.
/// </summary>
public sealed class AwsClients(AWSCredentials? credentials = null, string? endpoint = null, Func<string, string?>? environment = null, TargetAccess? access = null, TimeProvider? time = null) : IDisposable
{
    private readonly Func<string, string?> _environment = environment ?? Environment.GetEnvironmentVariable;
    private readonly TargetAccess _access = access ?? TargetAccess.None;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<(string Region, AssumedRole? Role), IAmazonDynamoDB> _dynamoDb = new();
    private readonly ConcurrentDictionary<string, IAmazonSQS> _sqs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DynamoDbStreamsClient> _streams = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Region, AssumedRole? Role), Lazy<SignedJsonClient>> _writes = new();
    private readonly ConcurrentDictionary<string, IAmazonSecurityTokenService> _sts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<AssumedRole, Lazy<AssumedRoleCredentials>> _roles = new();

    private readonly ConcurrentDictionary<TargetTable, CapacityBudget> _readBudgets = new();
    private readonly ConcurrentDictionary<TargetTable, CapacityBudget> _writeBudgets = new();

    /// <summary>Which targets are signed with a role, and which.</summary>
    public TargetAccess Access => _access;

    /// <summary>
    /// Capacity units per second each table may be read and written with (<c>--max-read-units</c>,
    /// <c>--max-write-units</c>): the readers and writers made here then ask for the units each
    /// request consumed and keep to a budget per table (<see cref="CapacityBudget"/>). None: as fast
    /// as the tables take.
    /// </summary>
    public CapacityLimits Capacity { get; init; } = CapacityLimits.None;

    /// <summary>
    /// Assumes each target's role once, so that a role STS refuses for good (AccessDenied: a trust
    /// policy that does not name the caller, a wrong external id) is found before anything is
    /// read or written: one message per refused role, naming the role and the target. A refusal
    /// worth another try (throttling, 5xx) is not one: the first write tries again.
    /// </summary>
    public async Task<IReadOnlyList<string>> RefusedRolesAsync()
    {
        var refused = new List<string>();
        foreach (var (target, role) in _access.Roles)
        {
            try
            {
                await CredentialsFor(target.Region, role)!.GetCredentialsAsync().ConfigureAwait(false);
            }
            catch (RoleRefusedException e) when (ErrorClassifier.Classify(e, $"target {target}").Kind == TargetErrorKind.Fatal)
            {
                refused.Add($"target {target}: {e.Message}");
            }
        }

        return refused;
    }

    /// <summary>Per-request timeout; a hung connection is retried rather than waited on until the deadline.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The SDK's DynamoDB client of <paramref name="region"/>, signed with the caller's credentials.</summary>
    public IAmazonDynamoDB DynamoDb(string region) => DynamoDb(region, null);

    /// <summary>The SDK's DynamoDB client for <paramref name="table"/>: its region's, signed with its role's credentials if it has one.</summary>
    public IAmazonDynamoDB DynamoDb(TargetTable table) => DynamoDb(table.Region, _access.RoleFor(table));

    private IAmazonDynamoDB DynamoDb(string region, AssumedRole? role) => _dynamoDb.GetOrAdd((region, role), key =>
    {
        var config = new AmazonDynamoDBConfig { MaxErrorRetry = 0, Timeout = RequestTimeout };
        Place(config, key.Region, EndpointFor("DYNAMODB"));
        return CredentialsFor(key.Region, key.Role) is { } signing ? new AmazonDynamoDBClient(signing, config) : new AmazonDynamoDBClient(config);
    });

    public IAmazonSQS Sqs(string region) => _sqs.GetOrAdd(region, r =>
    {
        var config = new AmazonSQSConfig { MaxErrorRetry = 2, Timeout = RequestTimeout };
        Place(config, r, EndpointFor("SQS"));
        return credentials is null ? new AmazonSQSClient(config) : new AmazonSQSClient(credentials, config);
    });

    /// <summary>
    /// DynamoDB Streams. DynamoDB Local and LocalStack serve streams on the DynamoDB endpoint, so an
    /// override for DynamoDB applies to streams too unless <c>AWS_ENDPOINT_URL_DYNAMODB_STREAMS</c> says otherwise.
    /// </summary>
    public DynamoDbStreamsClient Streams(string region) => _streams.GetOrAdd(region, r =>
    {
        var url = EndpointFor("DYNAMODB_STREAMS") ?? EndpointFor("DYNAMODB");
        if (url is null)
        {
            RequireKnown(r);
        }

        return new DynamoDbStreamsClient(
            r,
            credentials ?? DefaultAWSCredentialsIdentityResolver.GetCredentials(),
            url is null ? DynamoDbStreamsClient.DefaultEndpoint(r) : new Uri(url));
    });

    /// <summary>
    /// The writer of one-way replication to <paramref name="target"/>: DynamoDB's JSON protocol over
    /// one HTTP client per region (<see cref="DynamoDbHttpWriter"/>), at the endpoint the SDK's client
    /// for the region would use. The credentials are resolved at the first write, as the SDK does.
    /// </summary>
    public ITargetWriter Writer(TargetTable target) =>
        WithinBudget(new DynamoDbHttpWriter(WriteClient(target.Region, _access.RoleFor(target)), target) { ReportCapacity = Capacity.WriteUnits is not null });

    /// <summary>A writer kept to its table's write budget, when there is one (<see cref="Capacity"/>); else the writer itself.</summary>
    public ITargetWriter WithinBudget(ITargetWriter writer) =>
        Capacity.WriteUnits is { } units ? new PacedTargetWriter(writer, _writeBudgets.GetOrAdd(writer.Target, _ => new CapacityBudget(units, _time))) : writer;

    /// <summary>
    /// A reader of <paramref name="table"/> whose scans go over DynamoDB's JSON protocol on the
    /// region's one HTTP client, the one <see cref="Writer"/> uses (<see cref="DynamoDbHttpTableReader"/>:
    /// scanned items stay the answer's bytes); its other reads go through the SDK's client.
    /// </summary>
    public ITableReader TableReader(TargetTable table)
    {
        var reader = new DynamoDbHttpTableReader(WriteClient(table.Region, _access.RoleFor(table)), new DynamoDbTableReader(DynamoDb(table), table)) { ReportCapacity = Capacity.ReadUnits is not null };
        return Capacity.ReadUnits is { } units ? new PacedTableReader(reader, _readBudgets.GetOrAdd(table, _ => new CapacityBudget(units, _time))) : reader;
    }

    /// <summary>
    /// One region's tables as multi-active replication and backfill write them: DynamoDB's JSON
    /// protocol (<see cref="DynamoDbHttpRegionTables"/>) over the region's one HTTP client, the one
    /// <see cref="Writer"/> uses, at the same endpoint.
    /// </summary>
    public IRegionTables RegionTables(string region) => new DynamoDbHttpRegionTables(WriteClient(region, null));

    /// <summary>
    /// <paramref name="table"/>'s region's tables, signed as <paramref name="table"/> is (with its role,
    /// if it has one): a multi-active peer in another account, whose side tables are in that account too.
    /// </summary>
    public IRegionTables RegionTables(TargetTable table) => new DynamoDbHttpRegionTables(WriteClient(table.Region, _access.RoleFor(table)));

    /// <summary>Made once per region and role, and only once even when two threads ask at the same time: it owns an HTTP client.</summary>
    private SignedJsonClient WriteClient(string region, AssumedRole? role) => _writes.GetOrAdd((region, role), key => new Lazy<SignedJsonClient>(() =>
    {
        var url = EndpointFor("DYNAMODB");
        if (url is null)
        {
            RequireKnown(key.Region);
        }

        return new SignedJsonClient(
            key.Region,
            CredentialsFor(key.Region, key.Role),
            url is null ? DynamoDbHttpWriter.DefaultEndpoint(key.Region) : new Uri(url),
            DynamoDbHttpWriter.TargetPrefix,
            "dynamodb",
            TimeProvider.System,
            SignedJsonClient.NewHttpClient(RequestTimeout),
            ownsHttp: true)
        {
            SignedAs = key.Role?.RoleArn,
        };
    })).Value;

    /// <summary>The caller's credentials (null: the SDK's chain), or, for a role, its credentials, one set per role whichever region asks first.</summary>
    private AWSCredentials? CredentialsFor(string region, AssumedRole? role) => role is null
        ? credentials
        : _roles.GetOrAdd(role, r => new Lazy<AssumedRoleCredentials>(() => new AssumedRoleCredentials(new StsRoleIssuer(Sts(region)), r, _time))).Value;

    /// <summary>STS of the region (regional endpoints, as the SDK uses by default), signed with the caller's credentials; <c>AWS_ENDPOINT_URL_STS</c> overrides.</summary>
    private IAmazonSecurityTokenService Sts(string region) => _sts.GetOrAdd(region, r =>
    {
        var config = new AmazonSecurityTokenServiceConfig { MaxErrorRetry = 2, Timeout = RequestTimeout };
        Place(config, r, EndpointFor("STS"));
        return credentials is null ? new AmazonSecurityTokenServiceClient(config) : new AmazonSecurityTokenServiceClient(credentials, config);
    });

    /// <summary>The region of an SQS queue URL such as https://sqs.eu-west-1.amazonaws.com/123456789012/name, if it names one.</summary>
    public static string? RegionOfQueue(string queueUrl) =>
        Uri.TryCreate(queueUrl, UriKind.Absolute, out var uri) && uri.Host.Split('.') is ["sqs", var region, "amazonaws", ..] ? region : null;

    /// <summary>Whether the SDK knows the region (its endpoints data, in every partition: aws, aws-cn, aws-us-gov, …).</summary>
    public static bool IsKnownRegion(string region) =>
        RegionEndpoint.EnumerableAllRegions.Any(known => string.Equals(known.SystemName, region, StringComparison.Ordinal));

    /// <summary>
    /// Throws <see cref="UnknownRegionException"/> for a region the SDK does not know. The SDK itself
    /// accepts any name and makes up a host for it in the aws partition (us-east-9 becomes
    /// dynamodb.us-east-9.amazonaws.com), which fails only at the first request, as a DNS error.
    /// </summary>
    private static void RequireKnown(string region)
    {
        if (!IsKnownRegion(region))
        {
            throw new UnknownRegionException(region);
        }
    }

    private string? EndpointFor(string service) =>
        endpoint ?? NonEmpty(_environment($"AWS_ENDPOINT_URL_{service}")) ?? (service == "DYNAMODB_STREAMS" ? null : NonEmpty(_environment("AWS_ENDPOINT_URL")));

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static void Place(ClientConfig config, string region, string? serviceUrl)
    {
        if (serviceUrl is null)
        {
            RequireKnown(region);
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        else
        {
            // Both, and in this order: ServiceURL alone signs for us-east-1, and setting
            // RegionEndpoint after ServiceURL sends requests to the real AWS host.
            config.ServiceURL = serviceUrl;
            config.AuthenticationRegion = region;
        }
    }

    public void Dispose()
    {
        foreach (var client in _dynamoDb.Values)
        {
            client.Dispose();
        }

        foreach (var client in _sqs.Values)
        {
            client.Dispose();
        }

        foreach (var client in _streams.Values)
        {
            client.Dispose();
        }

        foreach (var client in _writes.Values.Where(made => made.IsValueCreated))
        {
            client.Value.Dispose();
        }

        foreach (var client in _sts.Values)
        {
            client.Dispose();
        }

        foreach (var role in _roles.Values.Where(made => made.IsValueCreated))
        {
            role.Value.Dispose();
        }
    }
}
