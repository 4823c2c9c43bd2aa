using Replicator.Applying;
using Replicator.Aws;

namespace Replicator.Lambda;

/// <summary>
/// The function's configuration, read from its environment variables once, at start-up, and
/// validated there: a bad value stops the function before it takes any event.
/// </summary>
internal sealed record LambdaConfiguration(IReadOnlyList<TargetTable> Targets, DeadLetterQueue? DeadLetterQueue, ReplicationSettings Settings)
{
    /// <summary>Set by Lambda: the function's name, the <c>FunctionName</c> dimension of its metrics.</summary>
    public const string FunctionNameVariable = "AWS_LAMBDA_FUNCTION_NAME";

    /// <summary>The function's name, when Lambda runs it (null otherwise).</summary>
    public string? FunctionName { get; init; }

    /// <summary>Required: where to replicate to, e.g. <c>us-west-2:users,eu-west-1:users</c>.</summary>
    public const string TargetsVariable = "REPLICATION_TARGETS";

    /// <summary>Optional: the URL of the SQS queue that takes poison records.</summary>
    public const string DeadLetterQueueVariable = "DEAD_LETTER_QUEUE_URL";

    /// <summary>Optional: <c>replicate</c> (the default) or <c>skip</c> deletes made by time-to-live.</summary>
    public const string TtlDeletesVariable = "TTL_DELETES";

    /// <summary>Set by Lambda: the function's own region, the dead-letter queue's when its URL does not say.</summary>
    public const string RegionVariable = "AWS_REGION";

    private const string TargetsForm =
        "one or more target tables, as region:table or a table ARN, separated by commas (e.g. us-west-2:users,arn:aws:dynamodb:eu-west-1:123456789012:table/users)";

    private const string QueueForm =
        "the URL of an SQS queue (e.g. https://sqs.us-east-1.amazonaws.com/123456789012/replicator-dead-letters), or nothing for no dead-letter queue";

    public static LambdaConfiguration Load(Func<string, string?> environment) => new(
        TargetsOf(Value(environment, TargetsVariable)),
        DeadLetterQueueOf(Value(environment, DeadLetterQueueVariable), Value(environment, RegionVariable)),
        new ReplicationSettings { TtlDeletes = TtlDeletesOf(Value(environment, TtlDeletesVariable)) })
    {
        FunctionName = Value(environment, FunctionNameVariable),
    };

    private static string? Value(Func<string, string?> environment, string name) =>
        environment(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private static IReadOnlyList<TargetTable> TargetsOf(string? text)
    {
        if (text is null)
        {
            throw new ConfigurationException(TargetsVariable, $"{TargetsVariable} is not set; expected {TargetsForm}");
        }

        try
        {
            return TargetTables.ParseList(text);
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

    private static TtlDeletes TtlDeletesOf(string? text) => text?.ToUpperInvariant() switch
    {
        null or "REPLICATE" => TtlDeletes.Replicate,
        "SKIP" => TtlDeletes.Skip,
        _ => throw new ConfigurationException(TtlDeletesVariable, $"{TtlDeletesVariable} is '{text}'; expected replicate (the default) or skip"),
    };
}
