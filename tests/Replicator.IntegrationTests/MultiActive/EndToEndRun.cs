using System.Text.Json;
using Replicator.IntegrationTests.Cli;

namespace Replicator.IntegrationTests.MultiActive;

/// <summary>One life of a replicator process.</summary>
internal sealed class EndToEndRun(ReplicatorProcess process, DateTimeOffset started)
{
    public ReplicatorProcess Process => process;

    public DateTimeOffset Started => started;

    public DateTimeOffset? KilledAt { get; set; }

    public int? ExitCode { get; set; }

    /// <summary>The ids of the conflict lines it wrote to stderr (<c>{"message":"conflict",…}</c> after the time).</summary>
    public IReadOnlyList<string> ConflictIds =>
        [.. Lines().Where(line => line.TryGetProperty("message", out var message) && message.GetString() == "conflict").Select(line => line.GetProperty("id").GetString()!)];

    /// <summary>The JSON summary it printed on stdout at the end (a killed life has none).</summary>
    public JsonElement Summary => JsonDocument.Parse(process.Output.Split('\n').Last(line => line.StartsWith('{'))).RootElement;

    private IEnumerable<JsonElement> Lines()
    {
        foreach (var line in process.Output.Split('\n'))
        {
            var start = line.IndexOf('{', StringComparison.Ordinal);
            if (start < 0)
            {
                continue;
            }

            JsonElement parsed;
            try
            {
                parsed = JsonDocument.Parse(line[start..]).RootElement;
            }
            catch (JsonException)
            {
                continue; // A line cut short by SIGKILL, or text with a brace in it.
            }

            yield return parsed;
        }
    }
}
