using System.Text.Json;
using Replicator.Model;
using Replicator.MultiActive;
using Spectre.Console;

namespace Replicator.Cli;

/// <summary>How the multi-active demo ends: per region what its replicator did, verify's verdict, and a few of the conflicts.</summary>
internal static class MultiActiveDemoReport
{
    /// <summary>Conflicts shown as a table; the JSON has this many too, and the count of all.</summary>
    private const int ConflictsShown = 5;

    public static void Write(IAnsiConsole console, MultiActiveDemo.Result result, bool json)
    {
        if (json)
        {
            console.Profile.Out.Writer.WriteLine(Json(result));
            return;
        }

        var grid = new Table().AddColumn("");
        foreach (var region in result.Regions)
        {
            grid.AddColumn(Markup.Escape(region.Table.Region));
        }

        void Row(string label, Func<MultiActiveDemo.RegionResult, string> cell) => grid.AddRow([label, .. result.Regions.Select(cell)]);
        Row("Stream records read", region => $"{region.RecordsRead:N0}");
        Row("Application writes versioned", region => $"{region.Counts.Versioned:N0}");
        Row("Versions forwarded", region => $"{region.Counts.Forwarded:N0}");
        Row("Duplicates skipped", region => $"{region.Counts.Duplicates:N0}");
        Row("Stale skipped", region => $"{region.Counts.Stale:N0}");
        Row("Conflicts (writes that lost)", region => $"[yellow]{region.Counts.Conflicts:N0}[/]");
        Row("Records failed", region => region.RecordsFailed == 0 ? "0" : $"[red]{region.RecordsFailed:N0}[/]");
        console.MarkupLineInterpolated($"{result.Writes:N0} application writes (puts, updates, deletes) on the same keys in all three regions:");
        console.Write(grid);

        if (result.Conflicts.Count > 0)
        {
            var conflicts = new Table().AddColumns("key", "lost", "to");
            foreach (var conflict in result.Conflicts.Take(ConflictsShown))
            {
                conflicts.AddRow(
                    Markup.Escape(Email(conflict.Key)),
                    Markup.Escape(Side(conflict.Loser)),
                    Markup.Escape(Side(conflict.Winner)));
            }

            console.MarkupLineInterpolated($"{result.Conflicts.Count:N0} conflict(s) recorded, {Math.Min(ConflictsShown, result.Conflicts.Count)} shown (replicator conflicts --table REGION:TABLE lists them, with both images):");
            console.Write(conflicts);
        }

        console.MarkupLine((result.Verify.Identical, result.Conflicts.Count > 0) switch
        {
            (true, true) => $"[green]The three regions are identical[/], and every lost write is listed ({result.Elapsed.TotalSeconds:0.0} s).",
            (true, false) => "[red]The regions are identical, but no conflict was recorded[/], though every key was written in all three regions at once.",
            _ => "[red]The regions differ[/] (see verify's report above).",
        });
    }

    private static string Email(ItemKey key) =>
        key.Attributes.Count == 1 && key.Attributes.Values.Single() is { Type: DynamoType.S } value ? value.AsString() : key.ToString();

    private static string Side(StoredSide side) =>
        $"{(side.IsDelete ? "delete" : "write")} in {side.Origin}\nat {side.Version.Time.UtcDateTime:HH:mm:ss}";

    private static string Json(MultiActiveDemo.Result result) => JsonText.Render(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("mode", "multi-active");
        writer.WriteNumber("writes", result.Writes);
        writer.WriteStartArray("regions");
        foreach (var region in result.Regions)
        {
            writer.WriteStartObject();
            writer.WriteString("table", region.Table.ToString());
            writer.WriteNumber("recordsRead", region.RecordsRead);
            writer.WriteNumber("recordsFailed", region.RecordsFailed);
            writer.WriteNumber("versioned", region.Counts.Versioned);
            writer.WriteNumber("putBack", region.Counts.PutBack);
            writer.WriteNumber("forwarded", region.Counts.Forwarded);
            writer.WriteNumber("duplicates", region.Counts.Duplicates);
            writer.WriteNumber("stale", region.Counts.Stale);
            writer.WriteNumber("conflicts", region.Counts.Conflicts);
            writer.WriteNumber("ownRecords", region.Counts.OwnRecords);
            writer.WriteNumber("unchanged", region.Counts.Unchanged);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteBoolean("identical", result.Verify.Identical);
        if (result.Verify.Json is { } verify)
        {
            writer.WritePropertyName("verify");
            using var document = JsonDocument.Parse(verify);
            document.WriteTo(writer);
        }

        writer.WriteNumber("conflicts", result.Conflicts.Count);
        writer.WriteStartArray("conflictSamples");
        foreach (var conflict in result.Conflicts.Take(ConflictsShown))
        {
            writer.WriteStartObject();
            writer.WriteString("id", conflict.Id);
            writer.WritePropertyName("key");
            DynamoJson.WriteItem(writer, conflict.Key.Attributes);
            writer.WriteString("detectedIn", conflict.DetectedIn);
            WriteSide(writer, "winner", conflict.Winner);
            WriteSide(writer, "loser", conflict.Loser);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteNumber("seconds", Math.Round(result.Elapsed.TotalSeconds, 1));
        writer.WriteEndObject();
    });

    private static void WriteSide(Utf8JsonWriter writer, string name, StoredSide side)
    {
        writer.WriteStartObject(name);
        writer.WriteString("origin", side.Origin);
        writer.WriteString("version", side.Version.Text);
        writer.WriteBoolean("delete", side.IsDelete);
        writer.WriteEndObject();
    }
}
