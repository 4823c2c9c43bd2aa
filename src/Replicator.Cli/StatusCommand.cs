using System.CommandLine;
using Replicator.Aws;
using Replicator.Model;
using Replicator.Streams;
using Spectre.Console;

namespace Replicator.Cli;

/// <summary><c>replicator status</c>: per shard, where the checkpoint stands and how far behind the stream's head it is.</summary>
internal static class StatusCommand
{
    /// <summary>
    /// Pages read past a checkpoint to count what is behind: five pages of records, and the empty
    /// pages in a row that make a shard caught up; beyond that the count is a lower bound.
    /// </summary>
    private const int MaxPagesAhead = 5 + ReplicationOptions.EmptyPagesToCatchUp;

    internal sealed record ShardStatus(StreamShard Shard, ShardCheckpoint? Checkpoint, int Behind, bool AtLeast, DateTimeOffset? OldestUnreplicated);

    /// <summary>What <c>status</c> found; <paramref name="DataLost"/> is the poller's own "data was lost" error, if its lineage rule finds one.</summary>
    internal sealed record StatusReport(string StreamArn, bool HasCheckpoint, IReadOnlyList<ShardStatus> Shards, string? DataLost);

    public static Command Create(IAnsiConsole console, CancellationToken interrupt)
    {
        var source = CommonOptions.Source();
        var endpoint = CommonOptions.Endpoint();
        var checkpoint = CommonOptions.Checkpoint();
        var output = CommonOptions.Output();
        var command = new Command("status", "Show, per shard of the source's stream, the checkpoint and how many records (and how old a change) are not yet replicated.")
        {
            source, endpoint, checkpoint, output,
        };
        command.SetAction(async (parsed, _) =>
        {
            var table = parsed.GetRequiredValue(source);
            using var clients = new AwsClients(endpoint: parsed.GetValue(endpoint)?.ToString());
            var path = CommonOptions.CheckpointPath(parsed.GetValue(checkpoint), table);
            var streamArn = await PollerHost.StreamArnAsync(clients, table, interrupt).ConfigureAwait(false);
            var saved = await new FileCheckpointStore(path).LoadAsync(interrupt).ConfigureAwait(false);
            if (saved is not null && saved.StreamArn != streamArn)
            {
                throw new UsageException($"--checkpoint: {Path.GetFullPath(path)} holds checkpoints for stream {saved.StreamArn}, not the table's stream {streamArn}.");
            }

            var report = await ReadAsync(clients.Streams(table.Region), streamArn, saved, interrupt).ConfigureAwait(false);
            return Write(console, parsed.GetValue(output), table, path, report);
        });
        return command;
    }

    /// <summary>Lists the shards, applies the poller's lineage rule to the checkpoints, and counts what each shard has unreplicated.</summary>
    internal static async Task<StatusReport> ReadAsync(IStreamsApi streams, string streamArn, StreamCheckpoints? saved, CancellationToken cancellationToken)
    {
        var description = await streams.DescribeStreamAsync(streamArn, cancellationToken).ConfigureAwait(false);
        var checkpoints = saved?.Shards ?? StreamCheckpoints.Empty(streamArn).Shards;
        var lost = ShardLineage.Check(description, checkpoints, firstRun: saved is null) is Lineage.Broken broken ? broken.Error : null;
        var statuses = new List<ShardStatus>();
        foreach (var shard in description.Shards)
        {
            var checkpoint = checkpoints.GetValueOrDefault(shard.ShardId);
            try
            {
                statuses.Add(await BehindAsync(streams, streamArn, shard, checkpoint, cancellationToken).ConfigureAwait(false));
            }
            catch (StreamsException e) when (e.Kind == StreamsErrorKind.TrimmedData)
            {
                // What the poller would meet reading on from this checkpoint: the same error, the same exit.
                lost ??= DataLoss.Message($"shard {shard.ShardId} no longer holds the records {DataLoss.Position(checkpoint)}") + $" ({e.Message})";
                statuses.Add(new ShardStatus(shard, checkpoint, 0, true, null));
            }
        }

        return new StatusReport(streamArn, saved is not null, statuses, lost);
    }

    /// <summary>Prints the report; records lost from the stream make it a failure (exit 1), as they stop <c>replicate</c>.</summary>
    internal static int Write(IAnsiConsole console, OutputFormat output, Applying.TargetTable table, string path, StatusReport report)
    {
        if (output == OutputFormat.Json)
        {
            console.Profile.Out.Writer.WriteLine(Json(path, report));
        }
        else
        {
            Render(console, table, path, report);
        }

        return report.DataLost is null ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>Reads past the checkpoint (at most a few pages) to count the records not yet replicated and find the oldest.</summary>
    private static async Task<ShardStatus> BehindAsync(IStreamsApi streams, string streamArn, StreamShard shard, ShardCheckpoint? checkpoint, CancellationToken cancellationToken)
    {
        if (checkpoint is { Finished: true })
        {
            return new ShardStatus(shard, checkpoint, 0, false, null);
        }

        var iterator = checkpoint?.SequenceNumber is { } after
            ? await streams.GetShardIteratorAsync(streamArn, shard.ShardId, ShardIteratorType.AfterSequenceNumber, after, cancellationToken).ConfigureAwait(false)
            : await streams.GetShardIteratorAsync(streamArn, shard.ShardId, ShardIteratorType.TrimHorizon, null, cancellationToken).ConfigureAwait(false);
        var behind = 0;
        var emptyPages = 0;
        DateTimeOffset? oldest = null;
        for (var page = 0; page < MaxPagesAhead && iterator is not null; page++)
        {
            var records = await streams.GetRecordsAsync(iterator, cancellationToken).ConfigureAwait(false);
            behind += records.Batch.Count;
            oldest ??= records.Batch.Records.FirstOrDefault()?.ApproximateCreationTime;
            iterator = records.NextShardIterator;
            // One empty page is not the head of the shard: DynamoDB may answer empty before records that exist.
            emptyPages = records.Batch.Count == 0 ? emptyPages + 1 : 0;
            if (emptyPages >= ReplicationOptions.EmptyPagesToCatchUp)
            {
                return new ShardStatus(shard, checkpoint, behind, false, oldest);
            }
        }

        return new ShardStatus(shard, checkpoint, behind, iterator is not null, oldest);
    }

    private static string Age(DateTimeOffset? time) => time is { } at ? $"{Math.Max(0, (DateTimeOffset.UtcNow - at).TotalSeconds):0} s ago" : "-";

    private static void Render(IAnsiConsole console, Applying.TargetTable table, string path, StatusReport report)
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
                Age(status.OldestUnreplicated));
        }

        console.Write(grid);
        if (report.DataLost is { } error)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {error}");
        }
    }

    private static string Json(string path, StatusReport report) => JsonText.Render(writer =>
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
            if (status.OldestUnreplicated is { } oldest)
            {
                writer.WriteNumber("oldestUnreplicatedAgeSeconds", Math.Round(Math.Max(0, (DateTimeOffset.UtcNow - oldest).TotalSeconds), 1));
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    });
}
