using System.CommandLine;
using Replicator.Filtering;
using Spectre.Console;

namespace Replicator.Cli;

/// <summary>
/// <c>replicator filter-criteria --filter EXPR</c>: prints the Lambda event source mapping
/// patterns for a filter (<see cref="LambdaPrefilter"/>), as a JSON list of strings, the value of
/// the Terraform module's <c>lambda_prefilter_patterns</c>. Exit 1 when the filter cannot be said
/// exactly as patterns: then the function filters every record itself, and no prefilter is set.
/// </summary>
internal static class FilterCriteriaCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var filter = FilterOptions.NewFilter();
        filter.Required = true;
        var command = new Command(
            "filter-criteria",
            "Print the Lambda FilterCriteria patterns for a --filter, as a JSON list (the Terraform module's lambda_prefilter_patterns), so Lambda drops records the filter rejects before invoking the function. " +
            "Exact only for a stream of view type NEW_AND_OLD_IMAGES (records pass on their new or their old image, so an item leaving the filter is still deleted); see docs/filtering.md. Exit 1 when the filter has no exact patterns.")
        {
            filter,
        };
        command.SetAction(parsed =>
        {
            switch (LambdaPrefilter.Of(parsed.GetRequiredValue(filter)!))
            {
                case Prefilter.Patterns patterns:
                    console.Profile.Out.Writer.WriteLine(List(patterns.Filters));
                    return ExitCodes.Ok;
                case Prefilter.NotExpressible refused:
                    console.MarkupLineInterpolated($"[red]error:[/] this filter has no exact Lambda patterns: {refused.Reason}. Leave lambda_prefilter_patterns unset; the function filters every record itself.");
                    return ExitCodes.Failed;
                default:
                    throw new InvalidOperationException("unknown prefilter");
            }
        });
        return command;
    }

    /// <summary>A JSON list of the patterns, their quotes escaped as \" (readable, and what HCL and tfvars.json take), not as \u0022.</summary>
    private static string List(IReadOnlyList<string> patterns)
    {
        using var buffer = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartArray();
            foreach (var pattern in patterns)
            {
                writer.WriteStringValue(pattern);
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
