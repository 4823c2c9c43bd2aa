using System.Globalization;
using System.Text.Json;
using Replicator.Streams;

namespace Replicator.Cli;

/// <summary>What a running <c>replicate</c> last wrote to its progress file.</summary>
internal sealed record ProgressSnapshot(DateTimeOffset WrittenAt, IReadOnlyDictionary<string, AppliedCount> Shards, IReadOnlyDictionary<string, AppliedCount> Targets)
{
    /// <summary>replicate wrote this as it stopped (a process killed writes no such last word: its file just ages).</summary>
    public bool Stopped { get; init; }
}

/// <summary>
/// <c>CHECKPOINT.progress.json</c>, beside the checkpoint: a running <c>replicate</c> writes its
/// counts there (records applied per shard, writes per target region (one a key a batch), the last batch's lag of each, and
/// when; and, as it stops, that it stopped), at most once a second, atomically (a temporary file renamed over it), so that
/// <c>status --watch</c> can show throughput without reading the stream for it. Advisory only:
/// nothing resumes from it, and the checkpoint file's format is unchanged.
/// </summary>
internal static class ProgressFile
{
    public static string PathFor(string checkpointPath) => checkpointPath + ".progress.json";

    public static void Write(string checkpointPath, string streamArn, PollerProgress progress, DateTimeOffset now, bool stopped = false)
    {
        var path = Path.GetFullPath(PathFor(checkpointPath));
        var json = JsonText.Render(writer =>
        {
            writer.WriteStartObject();
            writer.WriteNumber("version", 1);
            writer.WriteString("streamArn", streamArn);
            writer.WriteString("writtenAt", now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            writer.WriteBoolean("stopped", stopped);
            WriteCounts(writer, "shards", "recordsApplied", progress.Shards.Snapshot());
            WriteCounts(writer, "targets", "writes", progress.Targets.Snapshot());
            writer.WriteEndObject();
        });
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        File.WriteAllText(temporary, json);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The snapshot, or null when there is no readable progress file (no replicate ever ran here, or an older one).</summary>
    public static ProgressSnapshot? Read(string checkpointPath)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(PathFor(checkpointPath)));
            var root = document.RootElement;
            return root.GetProperty("version").GetInt32() != 1
                ? null
                : new ProgressSnapshot(root.GetProperty("writtenAt").GetDateTimeOffset(), ReadCounts(root.GetProperty("shards"), "recordsApplied"), ReadCounts(root.GetProperty("targets"), "writes"))
                {
                    Stopped = root.TryGetProperty("stopped", out var stopped) && stopped.GetBoolean(),
                };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            // Missing, or caught between a crash and a rename: the watch falls back to the checkpoint's movement.
            return null;
        }
    }

    private static void WriteCounts(Utf8JsonWriter writer, string name, string countName, IReadOnlyDictionary<string, AppliedCount> counts)
    {
        writer.WriteStartObject(name);
        foreach (var (key, count) in counts.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            writer.WriteStartObject(key);
            writer.WriteNumber(countName, count.RecordsApplied);
            if (!double.IsNaN(count.LastLagMs))
            {
                writer.WriteNumber("lastLagMs", Math.Round(count.LastLagMs, 1));
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static Dictionary<string, AppliedCount> ReadCounts(JsonElement element, string countName) => element.EnumerateObject().ToDictionary(
        property => property.Name,
        property => new AppliedCount(
            property.Value.GetProperty(countName).GetInt64(),
            property.Value.TryGetProperty("lastLagMs", out var lag) ? lag.GetDouble() : double.NaN),
        StringComparer.Ordinal);
}
