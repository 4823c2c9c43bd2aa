using System.CommandLine;
using Replicator.Aws;
using Replicator.Model;
using Replicator.Streams;
using Spectre.Console;

namespace Replicator.Cli;

/// <summary><c>replicator status</c>: per shard, where the checkpoint stands and how far behind the stream's head it is.</summary>
internal static class StatusCommand
{
    /// <summary>Pages read past a checkpoint to count what is behind; beyond that the count is a lower bound.</summary>
    private const int MaxPagesAhead = 5;

    private sealed record ShardStatus(StreamShard Shard, ShardCheckpoint? Checkpoint, int Behind, bool AtLeast, DateTimeOffset? OldestUnreplicated);

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

            var streams = clients.Streams(table.Region);
            var description = await streams.DescribeStreamAsync(streamArn, interrupt).ConfigureAwait(false);
            var statuses = new List<ShardStatus>();
            foreach (var shard in description.Shards)
            {
                var own = saved?.Shards.GetValueOrDefault(shard.ShardId);
                statuses.Add(await BehindAsync(streams, streamArn, shard, own, interrupt).ConfigureAwait(false));
            }

            if (parsed.GetValue(output) == OutputFormat.Json)
            {
                console.Profile.Out.Writer.WriteLine(Json(streamArn, path, saved is not null, statuses));
            }
            else
            {
                Render(console, table, streamArn, path, saved is not null, statuses);
            }

            return ExitCodes.Ok;
        });
        return command;
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
        DateTimeOffset? oldest = null;
        for (var page = 0; page < MaxPagesAhead && iterator is not null; page++)
        {
            var records = await streams.GetRecordsAsync(iterator, cancellationToken).ConfigureAwait(false);
            behind += records.Batch.Count;
            oldest ??= records.Batch.Records.FirstOrDefault()?.ApproximateCreationTime;
            iterator = records.NextShardIterator;
            if (records.Batch.Count == 0)
            {
                return new ShardStatus(shard, checkpoint, behind, false, oldest);
            }
        }

        return new ShardStatus(shard, checkpoint, behind, iterator is not null, oldest);
    }

    private static string Age(DateTimeOffset? time) => time is { } at ? $"{Math.Max(0, (DateTimeOffset.UtcNow - at).TotalSeconds):0} s ago" : "-";

    private static void Render(IAnsiConsole console, Applying.TargetTable table, string streamArn, string path, bool hasCheckpoint, List<ShardStatus> statuses)
    {
        console.MarkupLineInterpolated($"Stream of [bold]{table}[/]: {streamArn}");
        console.MarkupLineInterpolated($"Checkpoint file: {Path.GetFullPath(path)}{(hasCheckpoint ? "" : " (none yet: replication would start at the trim horizon)")}");
        var grid = new Table().AddColumns("Shard", "Parent", "State", "Checkpoint", "Behind (records)", "Oldest unreplicated change");
        foreach (var status in statuses)
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
    }

    private static string Json(string streamArn, string path, bool hasCheckpoint, List<ShardStatus> statuses) => JsonText.Render(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("streamArn", streamArn);
        writer.WriteString("checkpointFile", Path.GetFullPath(path));
        writer.WriteBoolean("checkpointExists", hasCheckpoint);
        writer.WriteStartArray("shards");
        foreach (var status in statuses)
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
