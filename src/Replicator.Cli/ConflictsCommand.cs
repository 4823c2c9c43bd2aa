using System.CommandLine;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.Aws.Verification;
using Replicator.Model;
using Replicator.MultiActive;
using Spectre.Console;

namespace Replicator.Cli;

/// <summary>
/// <c>replicator conflicts</c>: lists the writes of one region that lost to a concurrent write,
/// as its replicator recorded them in the table's conflict table, newest first.
/// </summary>
internal static class ConflictsCommand
{
    public static Command Create(IAnsiConsole console, CancellationToken interrupt)
    {
        var table = new Option<TargetTable>("--table")
        {
            Description = "The multi-active table whose region's conflicts to list, as REGION:TABLE (e.g. us-east-1:users).",
            Required = true,
            CustomParser = result => CommonOptions.TableOf(result, "--table"),
        };
        var since = CommonOptions.Duration("--since", "Only conflicts found within this long before now, e.g. 30m, 6h, 7d (default: all that are kept).");
        var endpoint = CommonOptions.Endpoint();
        var output = CommonOptions.Output();
        var command = new Command("conflicts", "List the writes of a region that lost to a concurrent write from another region (multi-active mode): key, winner and loser with their versions, origins and images.")
        {
            table, since, endpoint, output,
        };
        command.SetAction(async (parsed, _) =>
        {
            using var clients = new AwsClients(endpoint: parsed.GetValue(endpoint)?.ToString());
            var conflicts = await ListAsync(clients, parsed.GetRequiredValue(table), parsed.GetValue(since), interrupt).ConfigureAwait(false);
            if (parsed.GetValue(output) == OutputFormat.Json)
            {
                console.Profile.Out.Writer.WriteLine(Json(conflicts));
            }
            else
            {
                Show(console, conflicts);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static async Task<IReadOnlyList<StoredConflict>> ListAsync(AwsClients clients, TargetTable table, TimeSpan? since, CancellationToken cancellationToken)
    {
        var store = new TargetTable(table.Region, Replica.ConflictsOf(table.TableName));
        var reader = new DynamoDbTableReader(clients.DynamoDb(table.Region), store);
        if (await reader.DescribeAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            throw new UsageException($"--table: {table} has no conflict table ({store.TableName}); it is not set up for multi-active replication. Run replicator setup --mode multi-active first.");
        }

        var after = since is { } window ? DateTimeOffset.UtcNow - window : DateTimeOffset.MinValue;
        var found = new List<StoredConflict>();
        IReadOnlyDictionary<string, DynamoValue>? start = null;
        do
        {
            var page = await reader.ScanAsync(0, 1, start, null, cancellationToken).ConfigureAwait(false);
            found.AddRange(page.Items.Select(ConflictItems.FromItem).OfType<StoredConflict>().Where(conflict => conflict.DetectedAt >= after));
            start = page.LastEvaluatedKey;
        }
        while (start is not null);

        return [.. found.OrderByDescending(conflict => conflict.DetectedAt).ThenBy(conflict => conflict.Id, StringComparer.Ordinal)];
    }

    private static void Show(IAnsiConsole console, IReadOnlyList<StoredConflict> conflicts)
    {
        if (conflicts.Count == 0)
        {
            console.MarkupLine("No conflicts.");
            return;
        }

        var grid = new Table().AddColumns("found", "key", "lost", "to", "id");
        foreach (var conflict in conflicts)
        {
            grid.AddRow(
                Markup.Escape(conflict.DetectedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)),
                Markup.Escape(conflict.Key.ToString()),
                Markup.Escape(Side(conflict.Loser)),
                Markup.Escape(Side(conflict.Winner)),
                Markup.Escape(conflict.Id[..12]));
        }

        console.Write(grid);
        console.MarkupLineInterpolated($"{conflicts.Count} conflict(s) in {conflicts[0].DetectedIn}. --output json shows the whole ids and versions, and both images.");
    }

    private static string Side(StoredSide side) =>
        $"{(side.IsDelete ? "delete" : "write")} in {side.Origin} at {side.Version.Time.UtcDateTime:HH:mm:ss}{(side.Version.Counter > 0 ? $" (+{side.Version.Counter})" : "")}";

    private static string Json(IReadOnlyList<StoredConflict> conflicts) => JsonText.Render(writer =>
    {
        writer.WriteStartObject();
        writer.WriteNumber("count", conflicts.Count);
        writer.WriteStartArray("conflicts");
        foreach (var conflict in conflicts)
        {
            writer.WriteStartObject();
            writer.WriteString("id", conflict.Id);
            writer.WritePropertyName("key");
            DynamoJson.WriteItem(writer, conflict.Key.Attributes);
            writer.WriteString("detectedAt", conflict.DetectedAt.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteString("detectedIn", conflict.DetectedIn);
            WriteSide(writer, "winner", conflict.Winner);
            WriteSide(writer, "loser", conflict.Loser);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    });

    private static void WriteSide(System.Text.Json.Utf8JsonWriter writer, string name, StoredSide side)
    {
        writer.WriteStartObject(name);
        writer.WriteString("version", side.Version.Text);
        writer.WriteString("origin", side.Origin);
        writer.WriteBoolean("delete", side.IsDelete);
        if (side.Image is { } image)
        {
            writer.WritePropertyName("image");
            DynamoJson.WriteItem(writer, image);
        }
        else if (side.ImageOmittedBytes is { } size)
        {
            writer.WriteNumber("imageOmittedBytes", size);
        }

        writer.WriteEndObject();
    }
}
