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
        var retentionWarning = RetentionWarningOption.Create("Warn");
        var watch = new Option<bool>("--watch")
        {
            Description = "Keep watching: a live view refreshed every second (per shard: behind, the oldest unreplicated change, records applied a second, the lag of the last minutes as a chart) until Ctrl-C. Not on a terminal, or with --output json, one line or JSON object a refresh.",
        };
        var interval = new Option<double?>("--interval")
        {
            Description = $"With --watch: seconds between refreshes ({MinInterval} to {MaxInterval}, default 1). Each shard is still read at most once a second.",
            CustomParser = result => double.TryParse(result.Tokens.Single().Value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds >= MinInterval && seconds <= MaxInterval
                ? seconds
                : CommonOptions.Error<double?>(result, $"--interval: '{result.Tokens.Single().Value}' is not a number of seconds from {MinInterval} to {MaxInterval} (e.g. 1)", null),
        };
        var maxRefreshes = new Option<int?>("--max-refreshes")
        {
            Description = "With --watch: stop after this many refreshes (exit 0, or 1 if data was lost), for scripts and CI. Without it, runs until Ctrl-C.",
            CustomParser = result => int.TryParse(result.Tokens.Single().Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 1
                ? n
                : CommonOptions.Error<int?>(result, $"--max-refreshes: '{result.Tokens.Single().Value}' is not a whole number of at least 1", null),
        };
        var command = new Command("status", "Show, per shard of the source's stream, the checkpoint and how many records (and how old a change) are not yet replicated; --watch keeps showing it, live.")
        {
            source, endpoint, checkpoint, output, retentionWarning, watch, interval, maxRefreshes,
        };
        command.SetAction(async (parsed, _) =>
        {
            var watching = parsed.GetValue(watch);
            if (!watching && (parsed.GetValue(interval) is not null || parsed.GetValue(maxRefreshes) is not null))
            {
                throw new UsageException("--interval and --max-refreshes are for --watch; add --watch.");
            }

            var table = parsed.GetRequiredValue(source);
            using var clients = new AwsClients(endpoint: parsed.GetValue(endpoint)?.ToString());
            var path = CommonOptions.CheckpointPath(parsed.GetValue(checkpoint), table);
            var streamArn = await PollerHost.StreamArnAsync(clients, table, interrupt).ConfigureAwait(false);
            var store = new FileCheckpointStore(path);
            var saved = await store.LoadAsync(interrupt).ConfigureAwait(false);
            if (saved is not null && saved.StreamArn != streamArn)
            {
                throw new UsageException($"--checkpoint: {Path.GetFullPath(path)} holds checkpoints for stream {saved.StreamArn}, not the table's stream {streamArn}.");
            }

            if (watching)
            {
                var sampler = new WatchSampler(clients.Streams(table.Region), streamArn, store, () => ProgressFile.Read(path), TimeProvider.System, parsed.GetValue(retentionWarning));
                var settings = new WatchSettings(TimeSpan.FromSeconds(parsed.GetValue(interval) ?? 1), parsed.GetValue(maxRefreshes), parsed.GetValue(output), Path.GetFullPath(path));
                return await StatusWatch.RunAsync(console, sampler, settings, TimeProvider.System, interrupt).ConfigureAwait(false);
            }

            var report = await ReadAsync(clients.Streams(table.Region), streamArn, saved, interrupt).ConfigureAwait(false);
            return StatusOutput.Write(console, parsed.GetValue(output), table, path, report, parsed.GetValue(retentionWarning), DateTimeOffset.UtcNow);
        });
        return command;
    }

    private const double MinInterval = 0.1;

    private const double MaxInterval = 3600;

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

    /// <summary>Reads past the checkpoint (at most a few pages) to count the records not yet replicated and find the oldest.</summary>
    private static async Task<ShardStatus> BehindAsync(IStreamsApi streams, string streamArn, StreamShard shard, ShardCheckpoint? checkpoint, CancellationToken cancellationToken)
    {
        if (checkpoint is { Finished: true })
        {
            return new ShardStatus(shard, checkpoint, 0, false, null);
        }

        var iterator = checkpoint?.SequenceNumber is { } after
            ? await streams.GetShardIteratorAsync(streamArn, shard.ShardId, ShardIteratorType.AfterSequenceNumber, after, cancellationToken).ConfigureAwait(false)
            // replicate --start-at latest skips what the stream held before it started: not behind.
            : await streams.GetShardIteratorAsync(streamArn, shard.ShardId, checkpoint is { StartAtLatest: true } ? ShardIteratorType.Latest : ShardIteratorType.TrimHorizon, null, cancellationToken).ConfigureAwait(false);
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

}
