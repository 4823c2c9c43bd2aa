using System.CommandLine;
using Replicator.Aws;
using Replicator.Streams;
using Spectre.Console;

namespace Replicator.Cli;

/// <summary><c>replicator replicate</c>: reads the source table's stream and applies it to the targets until stopped.</summary>
internal static class ReplicateCommand
{
    /// <summary>The longest --idle-delay-ms accepted.</summary>
    private static readonly int MaxIdleDelayMs = (int)ReplicationOptions.MaxIdleDelay.TotalMilliseconds;

    public static Command Create(IAnsiConsole console, CancellationToken interrupt)
    {
        var source = CommonOptions.Source();
        var targets = CommonOptions.Targets();
        var roles = new TargetRoleOptions();
        var endpoint = CommonOptions.Endpoint();
        var checkpoint = CommonOptions.Checkpoint();
        var output = CommonOptions.Output();
        var startAt = new Option<StartPosition>("--start-at")
        {
            Description = "Where to start when there is no checkpoint: trim-horizon (the oldest record the stream holds, the default) or latest (only changes from now on).",
            DefaultValueFactory = _ => StartPosition.TrimHorizon,
            CustomParser = result => result.Tokens.Single().Value.ToLowerInvariant() switch
            {
                "trim-horizon" => StartPosition.TrimHorizon,
                "latest" => StartPosition.Latest,
                var other => CommonOptions.Error(result, $"--start-at: '{other}' is not trim-horizon or latest", StartPosition.TrimHorizon),
            },
        };
        var stopAfterIdle = new Option<double?>("--stop-after-idle")
        {
            Description = "Exit 0 once every shard is caught up and nothing new arrived for this many seconds (for scripts and tests). Without it, runs until Ctrl-C.",
            CustomParser = result => double.TryParse(result.Tokens.Single().Value, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
                ? seconds
                : CommonOptions.Error<double?>(result, $"--stop-after-idle: '{result.Tokens.Single().Value}' is not a number of seconds (e.g. 5)", null),
        };
        var idleDelay = new Option<int?>("--idle-delay-ms")
        {
            Description = "How long a shard's reader waits after an empty GetRecords before asking again, in milliseconds (default 250: four polls a second, as Lambda polls). Less lowers the lag when writes are sparse; more makes fewer GetRecords calls, which AWS bills (Lambda's own polling is free). AWS advises at most two readers per shard; throttled calls are retried.",
            CustomParser = result => int.TryParse(result.Tokens.Single().Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var milliseconds) && milliseconds <= MaxIdleDelayMs
                ? milliseconds
                : CommonOptions.Error<int?>(result, $"--idle-delay-ms: '{result.Tokens.Single().Value}' is not a whole number of milliseconds from 0 to {MaxIdleDelayMs} (e.g. 250)", null),
        };
        var deadLetterQueue = CommonOptions.QueueUrl(
            "--dead-letter-queue",
            "SQS queue URL for records that can never apply (validation errors, items too large for a target). Without one, such a record stops its shard.");
        var ttlDeletes = new Option<TtlDeletes>("--ttl-deletes")
        {
            Description = "replicate (the default) or skip deletes made by DynamoDB's time-to-live.",
            DefaultValueFactory = _ => TtlDeletes.Replicate,
            CustomParser = result => result.Tokens.Single().Value.ToLowerInvariant() switch
            {
                "replicate" => TtlDeletes.Replicate,
                "skip" => TtlDeletes.Skip,
                var other => CommonOptions.Error(result, $"--ttl-deletes: '{other}' is not replicate or skip", TtlDeletes.Replicate),
            },
        };

        var retentionWarning = RetentionWarningOption.Create("Log a warning (once a shard, each time it happens)");
        var mode = MultiActiveOptions.Mode();
        var metadataAttribute = MultiActiveOptions.MetadataAttribute();
        var tombstoneRetention = MultiActiveOptions.TombstoneRetention();
        var oneAtATime = new Option<bool>("--one-request-at-a-time")
        {
            Description = "Send the requests to --endpoint one at a time, through a proxy on a free loopback port: for moto, which is not safe under concurrent requests (a transaction it cancels undoes what other requests wrote meanwhile; docs/multi-active.md, \"On moto\"). Slower; never needed on AWS. Needs --endpoint.",
        };
        var backfill = new Option<bool>("--backfill")
        {
            Description = "Also copy the source's existing items to the targets, in this process, while it replicates: for a table too big to copy within the stream's 24-hour retention (docs/backfill.md). " +
                $"The copy writes only where a target holds nothing for the key, and replicated deletes are written as markers (attribute {Backfill.Live.DeleteMarker.Attribute}) until the copy is done and they are swept. " +
                "Needs empty targets; resumable: run the same command again after any stop.",
        };
        var segments = CommonOptions.Segments("to copy the source in, with --backfill");
        var command = new Command("replicate", "Read the source table's stream and apply every change to the targets, checkpointing as it goes. Ctrl-C stops after the batch in flight.")
        {
            source, targets, endpoint, checkpoint, startAt, stopAfterIdle, idleDelay, deadLetterQueue, ttlDeletes, retentionWarning, mode, metadataAttribute, tombstoneRetention, oneAtATime, backfill, segments, output,
        };
        var filters = FilterOptions.AddTo(command);
        roles.AddTo(command);
        command.SetAction(async (parsed, _) =>
        {
            var sourceTable = parsed.GetRequiredValue(source);
            var request = new ReplicationRequest(
                sourceTable,
                parsed.GetRequiredValue(targets),
                CommonOptions.CheckpointPath(parsed.GetValue(checkpoint), sourceTable),
                parsed.GetValue(startAt),
                parsed.GetValue(stopAfterIdle) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
                parsed.GetValue(deadLetterQueue),
                parsed.GetValue(ttlDeletes),
                parsed.GetValue(idleDelay) is { } milliseconds ? TimeSpan.FromMilliseconds(milliseconds) : null,
                RetentionWarning: parsed.GetValue(retentionWarning),
                Selection: filters.Selection(parsed, parsed.GetValue(mode) == ReplicationMode.MultiActive),
                BackfillSegments: parsed.GetValue(backfill) ? parsed.GetValue(segments) : null);
            if (!parsed.GetValue(backfill) && parsed.GetResult(segments) is { Implicit: false })
            {
                throw new UsageException("--segments: is for the copy of --backfill; add --backfill, or leave --segments out.");
            }

            if (parsed.GetValue(backfill) && parsed.GetResult(startAt) is { Implicit: false })
            {
                throw new UsageException("--start-at: does not apply with --backfill, which takes its own stream position before the copy (and replicates from it).");
            }

            if (parsed.GetValue(mode) == ReplicationMode.MultiActive)
            {
                if (parsed.GetValue(backfill))
                {
                    throw new UsageException(
                        "--backfill: is for one-way replication. Multi-active mode has its own guarded copy, which takes no stream position: " +
                        "replicator backfill --mode multi-active --source R:T --target R2:T (docs/multi-active.md), then start the new region's replicator.");
                }

                if (request.TtlDeletes == TtlDeletes.Skip)
                {
                    throw new UsageException("--ttl-deletes: skip does not apply in multi-active mode, where a delete by time-to-live is a versioned delete like any other.");
                }

                MultiActiveOptions.CheckRegions(request.Source, request.Targets);
                request = request with { MultiActive = MultiActiveOptions.Settings(parsed.GetRequiredValue(metadataAttribute), parsed.GetValue(tombstoneRetention)) };
            }
            else if (parsed.GetResult(metadataAttribute) is { Implicit: false } || parsed.GetValue(tombstoneRetention) is not null)
            {
                throw new UsageException("--metadata-attribute and --tombstone-retention are for multi-active mode; add --mode multi-active.");
            }

            var url = parsed.GetValue(endpoint);
            await using var proxy = parsed.GetValue(oneAtATime)
                ? OneAtATimeProxy.Start(url ?? throw new UsageException("--one-request-at-a-time: needs --endpoint, the local server to send the requests to one at a time."))
                : null;
            using var clients = new AwsClients(endpoint: (proxy?.Endpoint ?? url)?.ToString(), access: roles.Access(parsed, request.Targets));
            return await RunAsync(console, clients, request, parsed.GetValue(output), interrupt, url).ConfigureAwait(false);
        });
        return command;
    }

    public static async Task<int> RunAsync(IAnsiConsole console, AwsClients clients, ReplicationRequest request, OutputFormat output, CancellationToken interrupt, Uri? endpoint = null)
    {
        if (request.BackfillSegments is { } segments)
        {
            return await LiveBackfillHost.RunAsync(console, clients, request, segments, output, interrupt).ConfigureAwait(false);
        }

        LiveBackfillHost.RefuseWhileUnfinished(request);
        BackfillCommand.RefuseWhileUnfinished(request.CheckpointPath);
        await Tables.CheckAsync(clients, request.Source, request.Targets, interrupt).ConfigureAwait(false);
        var streamArn = await PollerHost.StreamArnAsync(clients, request.Source, interrupt, bothImages: request.MultiActive is not null).ConfigureAwait(false);
        if (request.MultiActive is { } multiActive)
        {
            await MultiActiveOptions.RequireSetupAsync(clients, request.Source, request.Targets, endpoint, interrupt).ConfigureAwait(false);
            CheckpointAge.Refuse(request.CheckpointPath, multiActive.TombstoneRetention, request.Source);
        }

        var poller = PollerHost.Create(clients, request, streamArn, line => Console.Error.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss} {line}"));
        if (output == OutputFormat.Text)
        {
            console.MarkupLineInterpolated($"Replicating [bold]{request.Source}[/] → [bold]{string.Join(", ", request.Targets)}[/] (checkpoint {Path.GetFullPath(request.CheckpointPath)}). Ctrl-C stops after the batch in flight.");
        }

        var run = poller.RunAsync(interrupt);
        var lastReport = DateTimeOffset.UtcNow;
        var progressWritable = true;
        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None)).ConfigureAwait(false);
            progressWritable = progressWritable && WriteProgress(request.CheckpointPath, streamArn, poller.Progress);
            if (request.MultiActive is not null)
            {
                // A running replicator keeps its checkpoint fresh even with nothing to write: only downtime ages it (CheckpointAge).
                CheckpointAge.Touch(request.CheckpointPath);
            }

            if (output == OutputFormat.Text && DateTimeOffset.UtcNow - lastReport >= TimeSpan.FromSeconds(10) && !run.IsCompleted)
            {
                console.MarkupLine(ProgressLine(poller.Progress, request.MultiActive is not null));
                lastReport = DateTimeOffset.UtcNow;
            }
        }

        var outcome = await run.ConfigureAwait(false);
        _ = progressWritable && WriteProgress(request.CheckpointPath, streamArn, poller.Progress, stopped: true);
        var exit = outcome.Stop == PollerStop.Failed || outcome.ShardsFailing ? ExitCodes.Failed : ExitCodes.Ok;
        if (output == OutputFormat.Json)
        {
            console.Profile.Out.Writer.WriteLine(SummaryJson(outcome, poller.Progress, request.MultiActive is not null));
        }
        else
        {
            console.MarkupLine(ProgressLine(poller.Progress, request.MultiActive is not null));
            var how = outcome.Stop switch
            {
                PollerStop.Idle => "caught up and idle",
                PollerStop.Cancelled => "interrupted; the checkpoint is written",
                _ => "replication cannot go on",
            };
            console.MarkupLineInterpolated($"Stopped: {how}.");
            if (outcome.Error is { } error)
            {
                console.MarkupLineInterpolated($"[red]error:[/] {error}");
            }

            if (outcome.ShardsFailing)
            {
                console.MarkupLine("[red]Some records were not applied[/] (see the log above); the next run retries them from the checkpoint.");
            }
        }

        return exit;
    }

    /// <summary>
    /// The progress file for <c>status --watch</c>, about once a second. A failure to write it never
    /// stops replication: it is said once, and the file is not tried again (the watch then falls back).
    /// </summary>
    internal static bool WriteProgress(string checkpointPath, string streamArn, PollerProgress progress, bool stopped = false)
    {
        try
        {
            ProgressFile.Write(checkpointPath, streamArn, progress, DateTimeOffset.UtcNow, stopped);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss} could not write the progress file {ProgressFile.PathFor(checkpointPath)} ({e.Message}); replication goes on without it");
            return false;
        }
    }

    /// <summary>The counts of multi-active mode, zero before its first batch: a run that found nothing to do says so too.</summary>
    private static MultiActive.MultiActiveCounts? MultiActiveCounts(PollerProgress progress, bool multiActive) =>
        progress.MultiActive ?? (multiActive ? MultiActive.MultiActiveCounts.None : null);

    public static string ProgressLine(PollerProgress progress, bool multiActive = false) =>
        $"records [bold]{progress.RecordsIn}[/] read, [green]{progress.RecordsApplied}[/] applied, {progress.RecordsSkipped} skipped, " +
        $"[yellow]{progress.RecordsDeadLettered}[/] dead-lettered, [red]{progress.RecordsFailed}[/] failed; " +
        (MultiActiveCounts(progress, multiActive) is { } counts
            ? $"{counts.Versioned} versioned, {counts.Forwarded} forwarded, {counts.Duplicates} duplicate, {counts.Stale} stale, [yellow]{counts.Conflicts}[/] conflict(s), {counts.OwnRecords} own record(s); "
            : "") +
        $"lag {(double.IsNaN(progress.LastLatencyMs) ? "-" : $"{progress.LastLatencyMs:0} ms")}; shards {progress.ActiveShards} active, {progress.FinishedShards} finished";

    /// <param name="more">More fields of the summary (replicate --backfill's copy).</param>
    internal static string SummaryJson(PollerOutcome outcome, PollerProgress progress, bool multiActive, Action<System.Text.Json.Utf8JsonWriter>? more = null) => JsonText.Render(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("stop", outcome.Stop.ToString().ToLowerInvariant());
        writer.WriteNumber("recordsRead", progress.RecordsIn);
        writer.WriteNumber("recordsApplied", progress.RecordsApplied);
        writer.WriteNumber("recordsSkipped", progress.RecordsSkipped);
        writer.WriteNumber("recordsDeadLettered", progress.RecordsDeadLettered);
        writer.WriteNumber("recordsFailed", progress.RecordsFailed);
        writer.WriteBoolean("shardsFailing", outcome.ShardsFailing);
        if (MultiActiveCounts(progress, multiActive) is { } counts)
        {
            Observability.ReportLines.WriteMultiActive(writer, counts);
        }

        if (!double.IsNaN(progress.LastLatencyMs))
        {
            writer.WriteNumber("lastLagMs", Math.Round(progress.LastLatencyMs, 1));
        }

        writer.WriteString("error", outcome.Error);
        more?.Invoke(writer);
        writer.WriteEndObject();
    });
}
