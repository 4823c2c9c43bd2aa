using Replicator.Streams;
using Spectre.Console;
using static Replicator.Cli.StatusCommand;

namespace Replicator.Cli;

/// <summary>How <c>replicator status</c> (without <c>--watch</c>) prints its report: a table, or one JSON document.</summary>
internal static class StatusOutput
{
    /// <summary>
    /// Prints the report as of <paramref name="now"/>, with the retention warning of
    /// <paramref name="retentionWarning"/> for each shard past it; records lost from the stream make
    /// it a failure (exit 1), as they stop <c>replicate</c>. A warning alone does not: nothing is lost yet.
    /// </summary>
    internal static int Write(IAnsiConsole console, OutputFormat output, Applying.TargetTable table, string path, StatusReport report, double retentionWarning, DateTimeOffset now)
    {
        if (output == OutputFormat.Json)
        {
            console.Profile.Out.Writer.WriteLine(Json(path, report, retentionWarning, now));
        }
        else
        {
            Render(console, table, path, report, retentionWarning, now);
        }

        return report.DataLost is null ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static TimeSpan? AgeOf(ShardStatus status, DateTimeOffset now) => now - status.OldestUnreplicated;

    private static string? Warning(ShardStatus status, double retentionWarning, DateTimeOffset now) =>
        RetentionWarning.For(status.Shard.ShardId, AgeOf(status, now), retentionWarning);

    private static string Age(ShardStatus status, DateTimeOffset now) => AgeOf(status, now) is { } age ? $"{Math.Max(0, age.TotalSeconds):0} s ago" : "-";

    private static void Render(IAnsiConsole console, Applying.TargetTable table, string path, StatusReport report, double retentionWarning, DateTimeOffset now)
    {
        console.MarkupLineInterpolated($"Stream of [bold]{table}[/]: {report.StreamArn}");
        console.MarkupLineInterpolated($"Checkpoint file: {Path.GetFullPath(path)}{(report.HasCheckpoint ? "" : " (none yet: replication would start at the trim horizon)")}");
        var grid = new Table().AddColumns("Shard", "Parent", "State", "Checkpoint", "Behind (records)", "Oldest unreplicated change");
        foreach (var status in report.Shards)
        {
            grid.AddRow(
                Markup.Escape(status.Shard.ShardId),
                Markup.Escape(status.Shard.ParentShardId ?? "-"),
                status.Checkpoint is { Finished: true } ? "done" : status.Shard.IsClosed ? "closed" : "open",
                Markup.Escape(status.Checkpoint?.SequenceNumber ?? (status.Checkpoint?.StartAtLatest == true ? "latest" : "-")),
                $"{(status.AtLeast ? "≥ " : "")}{status.Behind}",
                Age(status, now));
        }

        console.Write(grid);
        foreach (var warning in report.Shards.Select(status => Warning(status, retentionWarning, now)).OfType<string>())
        {
            console.MarkupLineInterpolated($"[yellow]{warning}[/]");
        }

        if (report.DataLost is { } error)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {error}");
        }
    }

    private static string Json(string path, StatusReport report, double retentionWarning, DateTimeOffset now) => JsonText.Render(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("streamArn", report.StreamArn);
        writer.WriteString("checkpointFile", Path.GetFullPath(path));
        writer.WriteBoolean("checkpointExists", report.HasCheckpoint);
        if (report.DataLost is { } error)
        {
            writer.WriteString("error", error);
        }

        writer.WriteStartArray("shards");
        foreach (var status in report.Shards)
        {
            writer.WriteStartObject();
            writer.WriteString("shardId", status.Shard.ShardId);
            writer.WriteString("parentShardId", status.Shard.ParentShardId);
            writer.WriteBoolean("closed", status.Shard.IsClosed);
            writer.WriteBoolean("finished", status.Checkpoint?.Finished ?? false);
            writer.WriteString("checkpoint", status.Checkpoint?.SequenceNumber);
            writer.WriteNumber("recordsBehind", status.Behind);
            writer.WriteBoolean("recordsBehindIsLowerBound", status.AtLeast);
            if (AgeOf(status, now) is { } age)
            {
                writer.WriteNumber("oldestUnreplicatedAgeSeconds", Math.Round(Math.Max(0, age.TotalSeconds), 1));
            }

            if (Warning(status, retentionWarning, now) is { } warning)
            {
                writer.WriteString("retentionWarning", warning);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    });
}
