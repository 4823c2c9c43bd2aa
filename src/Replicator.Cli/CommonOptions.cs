using System.CommandLine;
using System.CommandLine.Parsing;
using Replicator.Applying;

namespace Replicator.Cli;

public enum OutputFormat { Text, Json }

/// <summary>Options several commands share, each parsed with an error that names the option and the form it takes.</summary>
internal static class CommonOptions
{
    public static Option<TargetTable> Source() => new("--source")
    {
        Description = "The source table, as REGION:TABLE (e.g. us-east-1:users) or a table ARN.",
        Required = true,
        CustomParser = result => Table(result, "--source"),
    };

    public static Option<TargetTable[]> Targets() => new("--target")
    {
        Description = "A target table, as REGION:TABLE or a table ARN. Repeat for several targets.",
        Required = true,
        AllowMultipleArgumentsPerToken = false,
        CustomParser = result => result.Tokens.Select(token => Table(result, "--target", token.Value)).ToArray(),
    };

    public static Option<Uri?> Endpoint() => new("--endpoint")
    {
        Description = "Send every request to this endpoint (moto, DynamoDB Local, LocalStack), e.g. http://127.0.0.1:5000. The AWS_ENDPOINT_URL* variables work too.",
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                return uri;
            }

            result.AddError($"--endpoint: '{text}' is not an http(s) URL such as http://127.0.0.1:5000");
            return null;
        },
    };

    public static Option<string?> Checkpoint() => new("--checkpoint")
    {
        Description = "The checkpoint file (default: .replicator/REGION.TABLE.checkpoint.json in the current directory).",
    };

    public static Option<OutputFormat> Output() => new("--output")
    {
        Description = "text (tables and progress, the default) or json (one JSON document, for scripts).",
        DefaultValueFactory = _ => OutputFormat.Text,
        CustomParser = result => result.Tokens.Single().Value.ToLowerInvariant() switch
        {
            "text" => OutputFormat.Text,
            "json" => OutputFormat.Json,
            var other => Error(result, $"--output: '{other}' is not text or json", OutputFormat.Text),
        },
    };

    /// <summary>Parallel scan segments, read at once (backfill, verify).</summary>
    public static Option<int> Segments(string purpose, int defaultSegments = ReplicationOptions.DefaultScanSegments, int max = ReplicationOptions.MaxUserScanSegments) => new("--segments")
    {
        Description = $"Parallel scan segments {purpose} (1 to {max}, default {defaultSegments}; at most {ReplicationOptions.MaxConcurrentSegments} are read at once, the rest as those finish). More segments go faster, if the tables' capacity allows.",
        DefaultValueFactory = _ => defaultSegments,
        CustomParser = result => int.TryParse(result.Tokens.Single().Value, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= max
            ? n
            : Error(result, $"--segments: '{result.Tokens.Single().Value}' is not a whole number from 1 to {max}", 0),
    };

    /// <summary>
    /// <c>--max-read-units</c> or <c>--max-write-units</c>: capacity units per second that each table
    /// may be read or written with, a positive number (fractions allowed); unset, as fast as the
    /// tables take.
    /// </summary>
    public static Option<double?> MaxUnits(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result => double.TryParse(result.Tokens.Single().Value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var units) && units > 0 && double.IsFinite(units)
            ? units
            : Error<double?>(result, $"{name}: '{result.Tokens.Single().Value}' is not a positive number of capacity units per second (e.g. 500)", null),
    };

    /// <summary>The read budget of backfill and verify.</summary>
    public static Option<double?> MaxReadUnits(string reads) => MaxUnits(
        "--max-read-units",
        $"Read each table at most this many read capacity units per second ({reads}; a strongly consistent read of 4 KB is 1 unit), so the application keeps the rest. The units each read consumed, as DynamoDB reports them, are counted. Default: as fast as the tables take.");

    /// <summary>The write budget of backfill and verify --repair.</summary>
    public static Option<double?> MaxWriteUnits(string writes) => MaxUnits(
        "--max-write-units",
        $"Write each target at most this many write capacity units per second ({writes}; 1 KB written is 1 unit, indexes included), so the application keeps the rest. Default: as fast as the targets take.");

    public static string CheckpointPath(string? given, TargetTable source) =>
        given ?? Path.Combine(".replicator", $"{source.Region}.{source.TableName}.checkpoint.json");

    /// <summary>A duration such as 90s, 30m, 6h or 7d.</summary>
    /// <summary>An SQS queue URL option (<c>--dead-letter-queue</c>, <c>--queue</c>): an absolute http(s) URL, else exit 2 naming the option.</summary>
    public static Option<string?> QueueUrl(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result => Uri.TryCreate(result.Tokens.Single().Value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri.ToString()
            : Error<string?>(result, $"{name}: '{result.Tokens.Single().Value}' is not a queue URL such as https://sqs.us-east-1.amazonaws.com/123456789012/dead-letters", null),
    };

    public static Option<TimeSpan?> Duration(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result => Durations.TryParse(result.Tokens.Single().Value, out var duration)
            ? duration
            : Error<TimeSpan?>(result, $"{name}: '{result.Tokens.Single().Value}' is not a duration such as 90s, 30m, 6h or 7d", null),
    };

    public static TargetTable TableOf(ArgumentResult result, string option) => Table(result, option, result.Tokens.Single().Value);

    private static TargetTable Table(ArgumentResult result, string option) => Table(result, option, result.Tokens.Single().Value);

    private static TargetTable Table(ArgumentResult result, string option, string text)
    {
        try
        {
            return TargetTables.Parse(text);
        }
        catch (FormatException e)
        {
            return Error(result, $"{option}: {e.Message}", new TargetTable("invalid", "invalid"));
        }
    }

    public static T Error<T>(ArgumentResult result, string message, T placeholder)
    {
        result.AddError(message);
        return placeholder;
    }
}
