using System.CommandLine;
using System.Globalization;

namespace Replicator.Cli;

/// <summary><c>--retention-warning FRACTION</c>, shared by <c>replicate</c> (the log line) and <c>status</c> (the same warning, shown).</summary>
internal static class RetentionWarningOption
{
    public static Option<double> Create(string purpose) => new("--retention-warning")
    {
        Description = $"{purpose} when a shard's oldest unreplicated change is older than this fraction of the stream's 24-hour retention (between 0 and 1, default {ReplicationOptions.DefaultRetentionWarning}: after 12 hours).",
        DefaultValueFactory = _ => ReplicationOptions.DefaultRetentionWarning,
        CustomParser = result => double.TryParse(result.Tokens.Single().Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var fraction) && fraction > 0 && fraction < 1
            ? fraction
            : CommonOptions.Error(result, $"--retention-warning: '{result.Tokens.Single().Value}' is not a fraction between 0 and 1 (e.g. 0.5 warns after 12 of the 24 hours)", 0.0),
    };
}
