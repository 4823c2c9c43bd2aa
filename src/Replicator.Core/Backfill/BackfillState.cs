using System.Text;
using System.Text.Json;
using Replicator.Model;
using Replicator.Streams;

namespace Replicator.Backfill;

/// <summary>Where one scan segment stands: done, or the last key copied (null: not started).</summary>
public sealed record SegmentState(bool Done, IReadOnlyDictionary<string, DynamoValue>? LastKey);

/// <summary>
/// A backfill in progress, kept beside the checkpoint file so an interrupted copy resumes by
/// segment. It also says the stream position was already taken: a resumed copy must not take a
/// new one, or changes made since the first start would never be replayed.
/// </summary>
public sealed record BackfillState(string Source, string Targets, string StreamArn, DateTimeOffset StartedAt, long ItemsCopied, IReadOnlyList<SegmentState> Segments)
{
    /// <summary>
    /// The stream position is in the checkpoint. The progress file is written before the position
    /// is taken, so that replicate refuses from the very start; until it is taken, nothing is copied.
    /// </summary>
    public bool PositionTaken { get; init; } = true;

    /// <summary>The filter and projection the copy reads the source through (<see cref="Filtering.ItemSelection.ToString"/>); null: everything.</summary>
    public string? Selection { get; init; }

    /// <summary>
    /// Where a copy made by <c>replicate --backfill</c> stands (<see cref="Live.LiveBackfill"/>):
    /// copying, or sweeping the delete markers; null for a copy made by <c>backfill</c>, which
    /// replicate must not run beside. A live copy's file is removed once its sweep is done.
    /// </summary>
    public Live.LiveCopyPhase? Phase { get; init; }

    public static string PathFor(string checkpointPath) => checkpointPath + ".backfill.json";

    /// <summary>The unfinished backfill beside this checkpoint, or null when there is none (a finished copy removes its file).</summary>
    public static BackfillState? Unfinished(string checkpointPath) => Load(PathFor(checkpointPath));

    public static BackfillState? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            var segments = root.GetProperty("segments").EnumerateArray().Select(segment => new SegmentState(
                segment.GetProperty("done").GetBoolean(),
                segment.TryGetProperty("lastKey", out var key) && key.ValueKind == JsonValueKind.Object ? ReadKey(key) : null)).ToList();
            return new BackfillState(
                root.GetProperty("source").GetString()!,
                root.GetProperty("targets").GetString()!,
                root.GetProperty("streamArn").GetString()!,
                DateTimeOffset.Parse(root.GetProperty("startedAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                root.GetProperty("itemsCopied").GetInt64(),
                segments)
            {
                PositionTaken = !root.TryGetProperty("positionTaken", out var taken) || taken.GetBoolean(),
                Selection = root.TryGetProperty("selection", out var selection) ? selection.GetString() : null,
                Phase = root.TryGetProperty("phase", out var phase) ? Live.LiveCopyPhases.Parse(phase.GetString()) : null,
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new CheckpointException($"The backfill progress file {path} is damaged ({e.Message}). Delete it to start the backfill over.", e);
        }
    }

    /// <summary>Written to a temporary file and renamed over the old one: whole or not at all.</summary>
    public void Save(string path)
    {
        var json = JsonText.Render(writer =>
        {
            writer.WriteStartObject();
            writer.WriteNumber("version", 1);
            writer.WriteString("source", Source);
            writer.WriteString("targets", Targets);
            writer.WriteString("streamArn", StreamArn);
            writer.WriteString("startedAt", StartedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteNumber("itemsCopied", ItemsCopied);
            writer.WriteBoolean("positionTaken", PositionTaken);
            if (Selection is not null)
            {
                writer.WriteString("selection", Selection);
            }

            if (Phase is { } phase)
            {
                writer.WriteString("phase", Live.LiveCopyPhases.Text(phase));
            }

            writer.WriteStartArray("segments");
            foreach (var segment in Segments)
            {
                writer.WriteStartObject();
                writer.WriteBoolean("done", segment.Done);
                if (segment.LastKey is { } key)
                {
                    writer.WritePropertyName("lastKey");
                    DynamoJson.WriteItem(writer, key);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
        {
            stream.Write(Encoding.UTF8.GetBytes(json));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Keys are S, N or B only.</summary>
    private static Dictionary<string, DynamoValue> ReadKey(JsonElement key) =>
        key.EnumerateObject().ToDictionary(
            attribute => attribute.Name,
            attribute => attribute.Value.EnumerateObject().Single() switch
            {
                { Name: "S" } s => DynamoValue.String(s.Value.GetString()!),
                { Name: "N" } n => DynamoValue.Number(n.Value.GetString()!),
                { Name: "B" } b => DynamoValue.Binary(b.Value.GetBytesFromBase64()),
                var other => throw new FormatException($"key attribute {attribute.Name} has type {other.Name}; keys are S, N or B"),
            },
            StringComparer.Ordinal);
}
