using Replicator.Applying;
using Replicator.Aws;
using Replicator.Aws.Credentials;
using Replicator.MultiActive;

namespace Replicator.Lambda;

/// <summary>
/// The function's configuration, read from its environment variables once, at start-up, and
/// validated there: a bad value stops the function before it takes any event.
/// </summary>
/// <param name="MultiActive">Null in one-way mode; in multi-active mode, its settings (and then <see cref="Targets"/> are the peers).</param>
internal sealed record LambdaConfiguration(IReadOnlyList<TargetTable> Targets, DeadLetterQueue? DeadLetterQueue, ReplicationSettings Settings, MultiActiveSettings? MultiActive = null)
{
    /// <summary>Set by Lambda: the function's name, the <c>FunctionName</c> dimension of its metrics.</summary>
    public const string FunctionNameVariable = "AWS_LAMBDA_FUNCTION_NAME";

    /// <summary>The function's name, when Lambda runs it (null otherwise).</summary>
    public string? FunctionName { get; init; }

    /// <summary>One-way: what of the source replicates (<see cref="FilterVariables"/>); everything by default.</summary>
    public Filtering.ItemSelection Selection { get; init; } = Filtering.ItemSelection.All;

    /// <summary>The targets written through an assumed role (the <c>|role=</c> form of <see cref="TargetsVariable"/>); the others with the function's own credentials.</summary>
    public TargetAccess Access { get; init; } = TargetAccess.None;

    /// <summary>Required: where to replicate to, e.g. <c>us-west-2:users,eu-west-1:users</c>; a target may add <c>|role=ROLE_ARN</c> (and <c>|external-id=ID</c>), see <see cref="TargetEntries"/>.</summary>
    public const string TargetsVariable = "REPLICATION_TARGETS";

    /// <summary>Optional: the URL of the SQS queue that takes poison records.</summary>
    public const string DeadLetterQueueVariable = "DEAD_LETTER_QUEUE_URL";

    /// <summary>Optional: <c>replicate</c> (the default) or <c>skip</c> deletes made by time-to-live.</summary>
    public const string TtlDeletesVariable = "TTL_DELETES";

    /// <summary>Set by Lambda: the function's own region, the dead-letter queue's when its URL does not say.</summary>
    public const string RegionVariable = "AWS_REGION";

    /// <summary>Optional: <c>one-way</c> (the default) or <c>multi-active</c>, where the targets are the other regions' writable tables.</summary>
    public const string ModeVariable = "REPLICATION_MODE";

    /// <summary>Optional, multi-active only: the reserved attribute of the replicator's metadata (default <see cref="ReplicationOptions.DefaultMetadataAttribute"/>).</summary>
    public const string MetadataAttributeVariable = "METADATA_ATTRIBUTE";

    /// <summary>Optional, multi-active only: how long tombstones are kept, e.g. <c>7d</c> (default <see cref="ReplicationOptions.DefaultTombstoneRetention"/>).</summary>
    public const string TombstoneRetentionVariable = "TOMBSTONE_RETENTION";

    /// <summary>The longest attribute name the metadata may have (as <see cref="MultiActiveSettings"/> checks it).</summary>
    private const int MaxMetadataAttributeLength = 255;

    private const string TargetsForm = TargetEntries.Form;

    private const string QueueForm =
        "the URL of an SQS queue (e.g. https://sqs.us-east-1.amazonaws.com/123456789012/replicator-dead-letters), or nothing for no dead-letter queue";

    public static LambdaConfiguration Load(Func<string, string?> environment)
    {
        var multiActive = MultiActiveOf(environment);
        var ttlDeletes = TtlDeletesOf(Value(environment, TtlDeletesVariable));
        if (multiActive is not null && ttlDeletes == TtlDeletes.Skip)
        {
            throw new ConfigurationException(
                TtlDeletesVariable,
                $"{TtlDeletesVariable} is 'skip', which only one-way replication takes: with {ModeVariable}=multi-active a delete by time-to-live is a versioned delete like any other, and skipping it would leave the item alive in the other regions; leave {TtlDeletesVariable} unset");
        }

        var (targets, access) = TargetsOf(Value(environment, TargetsVariable), AssumedRole.SessionNameFrom(Value(environment, FunctionNameVariable)));
        if (multiActive is not null && targets.GroupBy(target => target.Region).FirstOrDefault(region => region.Count() > 1) is { } shared)
        {
            throw new ConfigurationException(
                TargetsVariable,
                $"{TargetsVariable} names {string.Join(" and ", shared)}, in one region, {shared.Key}; with {ModeVariable}=multi-active each region holds one replica (versions name their region), so give one table per region");
        }

        return new(
            targets,
            DeadLetterQueueOf(Value(environment, DeadLetterQueueVariable), Value(environment, RegionVariable)),
            new ReplicationSettings { TtlDeletes = ttlDeletes },
            multiActive)
        {
            FunctionName = Value(environment, FunctionNameVariable),
            Selection = FilterVariables.Load(name => Value(environment, name), multiActive is not null, ModeVariable),
            Access = access,
        };
    }

    private static string? Value(Func<string, string?> environment, string name) =>
        environment(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private static (IReadOnlyList<TargetTable>, TargetAccess) TargetsOf(string? text, string sessionName)
    {
        if (text is null)
        {
            throw new ConfigurationException(TargetsVariable, $"{TargetsVariable} is not set; expected {TargetsForm}");
        }

        try
        {
            return TargetEntries.Parse(text, sessionName);
        }
        catch (FormatException e)
        {
            throw new ConfigurationException(TargetsVariable, $"{TargetsVariable} is not valid: {e.Message}; expected {TargetsForm}");
        }
    }

    private static DeadLetterQueue? DeadLetterQueueOf(string? url, string? functionRegion)
    {
        if (url is null)
        {
            return null;
        }

        if (url.StartsWith("arn:", StringComparison.Ordinal))
        {
            throw new ConfigurationException(DeadLetterQueueVariable, $"{DeadLetterQueueVariable} is '{url}', a queue ARN; expected {QueueForm}");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || uri.AbsolutePath.Trim('/').Length == 0)
        {
            throw new ConfigurationException(DeadLetterQueueVariable, $"{DeadLetterQueueVariable} is '{url}', not an absolute http(s) URL with a queue path; expected {QueueForm}");
        }

        var region = AwsClients.RegionOfQueue(url) ?? functionRegion
            ?? throw new ConfigurationException(
                DeadLetterQueueVariable,
                $"{DeadLetterQueueVariable} '{url}' does not say its region (it is not https://sqs.REGION.amazonaws.com/…) and {RegionVariable} is not set; set {RegionVariable} or use the queue's regional URL");
        return new DeadLetterQueue(url, region);
    }

    /// <summary>Null in one-way mode. The multi-active variables are refused in one-way mode: set there, they would do nothing, and the deployment is not what its author meant.</summary>
    private static MultiActiveSettings? MultiActiveOf(Func<string, string?> environment)
    {
        var mode = Value(environment, ModeVariable);
        var attribute = Value(environment, MetadataAttributeVariable);
        var retention = Value(environment, TombstoneRetentionVariable);
        switch (mode?.ToLowerInvariant())
        {
            case null or "one-way":
                if ((attribute is not null ? MetadataAttributeVariable : retention is not null ? TombstoneRetentionVariable : null) is { } stray)
                {
                    throw new ConfigurationException(stray, $"{stray} is set, but {ModeVariable} is {mode ?? "not set (one-way)"}; {stray} is for {ModeVariable}=multi-active only: set that mode, or unset {stray}");
                }

                return null;
            case "multi-active":
                return new MultiActiveSettings
                {
                    MetadataAttribute = MetadataAttributeOf(attribute),
                    TombstoneRetention = TombstoneRetentionOf(retention),
                };
            default:
                throw new ConfigurationException(ModeVariable, $"{ModeVariable} is '{mode}'; expected one-way (the default) or multi-active");
        }
    }

    private static string MetadataAttributeOf(string? text)
    {
        if (text is null)
        {
            return ReplicationOptions.DefaultMetadataAttribute;
        }

        // Value() trimmed it: an attribute name with spaces at either end is far more likely a typo than meant.
        return text.Length <= MaxMetadataAttributeLength
            ? text
            : throw new ConfigurationException(MetadataAttributeVariable, $"{MetadataAttributeVariable} is {text.Length} characters long; expected an attribute name of 1 to {MaxMetadataAttributeLength} characters (default {ReplicationOptions.DefaultMetadataAttribute})");
    }

    private static TimeSpan TombstoneRetentionOf(string? text)
    {
        if (text is null)
        {
            return ReplicationOptions.DefaultTombstoneRetention;
        }

        var least = Durations.Format(ReplicationOptions.MinTombstoneRetention);
        if (!Durations.TryParse(text, out var retention))
        {
            throw new ConfigurationException(TombstoneRetentionVariable, $"{TombstoneRetentionVariable} is '{text}'; expected {Durations.Form}, at least {least} (default {Durations.Format(ReplicationOptions.DefaultTombstoneRetention)})");
        }

        return retention >= ReplicationOptions.MinTombstoneRetention
            ? retention
            : throw new ConfigurationException(
                TombstoneRetentionVariable,
                $"{TombstoneRetentionVariable} is '{text}', less than the least, {least}: the stream keeps records {ReplicationOptions.StreamRetention.TotalHours:0} hours, and a tombstone must outlive every record that could bring its item back (default {Durations.Format(ReplicationOptions.DefaultTombstoneRetention)})");
    }

    private static TtlDeletes TtlDeletesOf(string? text) => text?.ToUpperInvariant() switch
    {
        null or "REPLICATE" => TtlDeletes.Replicate,
        "SKIP" => TtlDeletes.Skip,
        _ => throw new ConfigurationException(TtlDeletesVariable, $"{TtlDeletesVariable} is '{text}'; expected replicate (the default) or skip"),
    };
}
