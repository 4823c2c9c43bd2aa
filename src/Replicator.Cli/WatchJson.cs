using System.Globalization;
using System.Text.Json;

namespace Replicator.Cli;

/// <summary>A refresh of <c>status --watch --output json</c>: one JSON object a line (JSON lines), fields as the README lists them.</summary>
internal static class WatchJson
{
    public static string Render(WatchFrame frame) => JsonText.Render(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("time", frame.At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        writer.WriteString("streamArn", frame.StreamArn);
        writer.WriteString("replicate", frame.Replicate.ToString().ToLowerInvariant());
        if (frame.DataLost is { } lost)
        {
            writer.WriteString("error", lost);
        }

        writer.WriteNumber("lagSliceSeconds", LagHistory.SliceSeconds);
        writer.WriteStartArray("shards");
        foreach (var shard in frame.Shards)
        {
            writer.WriteStartObject();
            writer.WriteString("shardId", shard.ShardId);
            writer.WriteString("state", shard.State);
            writer.WriteNumber("recordsBehind", shard.Behind);
            writer.WriteBoolean("recordsBehindIsLowerBound", shard.AtLeast);
            WriteNumber(writer, "oldestUnreplicatedAgeSeconds", shard.OldestAge is { } age ? Math.Round(Math.Max(0, age.TotalSeconds), 1) : null);
            WriteNumber(writer, "recordsPerSecond", shard.RecordsPerSecond is { } rate ? Math.Round(rate, 1) : null);
            writer.WriteStartArray("lagSeconds");
            foreach (var slice in shard.Lag)
            {
                WriteNumber(writer, null, slice is { } seconds ? Math.Round(seconds, 1) : null);
            }

            writer.WriteEndArray();
            if (shard.Warning is { } warning)
            {
                writer.WriteString("retentionWarning", warning);
            }

            if (shard.Error is { } error)
            {
                writer.WriteString("error", error);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("targets");
        foreach (var target in frame.Targets)
        {
            writer.WriteStartObject();
            writer.WriteString("region", target.Region);
            WriteNumber(writer, "writesPerSecond", target.WritesPerSecond is { } rate ? Math.Round(rate, 1) : null);
            WriteNumber(writer, "lastLagMs", target.LastLagMs);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    });

    private static void WriteNumber(Utf8JsonWriter writer, string? name, double? value)
    {
        if (name is not null)
        {
            writer.WritePropertyName(name);
        }

        if (value is { } number)
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
