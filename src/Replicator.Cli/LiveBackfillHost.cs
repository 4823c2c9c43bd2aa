using Replicator.Applying;
using Replicator.Aws;
using Replicator.Backfill;
using Replicator.Backfill.Live;
using Replicator.Streams;
using Replicator.Verification;
using Spectre.Console;

namespace Replicator.Cli;

/// <summary>
/// <c>replicator replicate --backfill</c>: one process that replicates from the stream and copies
/// the table beside it (<see cref="LiveBackfill"/>), so the copy may take longer than the stream's
/// retention. The poller starts from the position taken before the copy and runs throughout; the
/// engine's deletes are markers until the copy is done, then plain, in the same process, so no
/// other process can race the switch. With --stop-after-idle, a poller that goes idle while the
/// copy is unfinished is started again from its checkpoint: the run ends only after the copy.
/// </summary>
internal static class LiveBackfillHost
{
    public static async Task<int> RunAsync(IAnsiConsole console, AwsClients clients, ReplicationRequest request, int segments, OutputFormat output, CancellationToken interrupt)
    {
        await Tables.CheckAsync(clients, request.Source, request.Targets, interrupt).ConfigureAwait(false);
        var streamArn = await PollerHost.StreamArnAsync(clients, request.Source, interrupt).ConfigureAwait(false);
        Action<string> log = line => Console.Error.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss} {line}");

        // Scans over the JSON protocol, read through the filter and projection replication applies.
        ITableReader source = clients.TableReader(request.Source);
        if (request.Selection is { IsAll: false } selection)
        {
            source = new Filtering.SelectedTableReader(source, selection);
        }

        var deletes = new DeleteMode();
        var writers = request.Targets.Select(target => new MarkingDeletesWriter(clients.Writer(target), deletes)).ToList();
        var targets = request.Targets.Select(target => new LiveTarget(target, clients.TableReader(target), clients.RegionTables(target))).ToList();
        var live = new LiveBackfill(source, targets, clients.Streams(request.Source.Region), deletes, TimeProvider.System, new Random(), log);
        var copyRequest = new BackfillRequest(request.Source, request.Targets, segments, request.CheckpointPath);

        // The progress file is written before anything else, so its directory must be there (.replicator, by default, may not be yet).
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(request.CheckpointPath))!);
        LivePreparation prepared;
        try
        {
            prepared = await live.PrepareAsync(copyRequest, streamArn, interrupt).ConfigureAwait(false);
        }
        catch (BackfillException e)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return ExitCodes.Failed;
        }

        var ready = prepared switch
        {
            LivePreparation.Ready r => r,
            LivePreparation.Refused refused => throw new UsageException(refused.Message),
            _ => throw new InvalidOperationException($"unexpected preparation {prepared}"),
        };
        if (output == OutputFormat.Text)
        {
            console.MarkupLineInterpolated(
                $"Replicating [bold]{request.Source}[/] → [bold]{string.Join(", ", request.Targets)}[/] while {(ready.Phase == LiveCopyPhase.Copying ? "copying the source" : "sweeping the delete markers")}{(ready.Resumed ? " (resumed)" : "")} (checkpoint {Path.GetFullPath(request.CheckpointPath)}). Ctrl-C stops; the same command resumes.");
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(interrupt);
        var copy = live.CompleteAsync(copyRequest, streamArn, stop.Token);

        var (outcome, poller) = await ReplicateAsync(console, clients, request, streamArn, writers, live, copy, output, log, stop).ConfigureAwait(false);
        if (!copy.IsCompleted)
        {
            // Replication stopped (failed, or Ctrl-C): the copy stops with it.
            await stop.CancelAsync().ConfigureAwait(false);
        }

        LiveBackfillResult? result = null;
        string? copyError = null;
        try
        {
            result = await copy.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            copyError = interrupt.IsCancellationRequested ? "interrupted" : "stopped, because replication stopped";
        }
        catch (BackfillException e)
        {
            copyError = e.Message;
        }

        var markers = writers.Sum(writer => writer.MarkersWritten);
        var exit = copyError is not null || outcome.Stop == PollerStop.Failed || outcome.ShardsFailing ? ExitCodes.Failed : ExitCodes.Ok;
        if (output == OutputFormat.Json)
        {
            console.Profile.Out.Writer.WriteLine(ReplicateCommand.SummaryJson(outcome, poller.Progress, multiActive: false, writer =>
            {
                writer.WriteStartObject("backfill");
                writer.WriteBoolean("done", result is not null);
                writer.WriteNumber("itemsCopied", live.Counters.ItemsCopied);
                writer.WriteNumber("written", live.Copies.Written);
                writer.WriteNumber("stood", live.Copies.Stood);
                writer.WriteNumber("markersWritten", markers);
                writer.WriteNumber("markersSwept", result?.MarkersSwept ?? 0);
                writer.WriteString("error", copyError);
                writer.WriteEndObject();
            }));
            return exit;
        }

        console.MarkupLine(ReplicateCommand.ProgressLine(poller.Progress));
        if (result is not null)
        {
            console.MarkupLineInterpolated($"Copy done: {result.ItemsCopied} items copied ({result.Written} written by this run, {result.Stood} found replication there first), {markers} delete(s) written as markers, {result.MarkersSwept} marker(s) swept. Replication goes on from the checkpoint: run replicate (without --backfill) from now on.");
        }
        else
        {
            console.MarkupLineInterpolated($"[red]The copy is not finished[/] ({copyError}): {live.Counters.ItemsCopied} items copied so far. Nothing is lost: run the same command again to resume the copy and replication.");
        }

        console.MarkupLineInterpolated($"Stopped: {outcome.Stop switch { PollerStop.Idle => "caught up and idle", PollerStop.Cancelled when interrupt.IsCancellationRequested => "interrupted; the checkpoint is written", PollerStop.Cancelled => "with the copy; the checkpoint is written", _ => "replication cannot go on" }}.");
        if (outcome.Error is { } error)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {error}");
        }

        return exit;
    }

    /// <summary>
    /// Replicates until stopped; a poller that goes idle (--stop-after-idle) while the copy is
    /// unfinished is started again from the checkpoint, so the run ends only after the copy.
    /// </summary>
    private static async Task<(PollerOutcome Outcome, StreamPoller Poller)> ReplicateAsync(
        IAnsiConsole console, AwsClients clients, ReplicationRequest request, string streamArn, IReadOnlyList<ITargetWriter> writers, LiveBackfill live, Task copy, OutputFormat output, Action<string> log, CancellationTokenSource stop)
    {
        var progressWritable = true;
        var lastReport = DateTimeOffset.UtcNow;
        while (true)
        {
            var poller = PollerHost.Create(clients, request, streamArn, log, writers);
            var run = poller.RunAsync(stop.Token);
            while (!run.IsCompleted)
            {
                // Woken by the copy's end too, until it has ended (then it would wake the loop at once, every time).
                var tick = Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
                await (copy.IsCompleted ? Task.WhenAny(run, tick) : Task.WhenAny(run, copy, tick)).ConfigureAwait(false);
                if (copy.IsFaulted && !stop.IsCancellationRequested)
                {
                    // A copy that fails stops replication too: the run ends with its error, and the same command resumes both.
                    await stop.CancelAsync().ConfigureAwait(false);
                }

                progressWritable = progressWritable && ReplicateCommand.WriteProgress(request.CheckpointPath, streamArn, poller.Progress);
                if (output == OutputFormat.Text && DateTimeOffset.UtcNow - lastReport >= TimeSpan.FromSeconds(10) && !run.IsCompleted)
                {
                    var counters = live.Counters;
                    console.MarkupLine($"{ReplicateCommand.ProgressLine(poller.Progress)}; copy {(copy.IsCompleted ? "done" : $"{counters.ItemsCopied} items, {counters.SegmentsDone}/{request.BackfillSegments} segments")}");
                    lastReport = DateTimeOffset.UtcNow;
                }
            }

            var outcome = await run.ConfigureAwait(false);
            _ = progressWritable && ReplicateCommand.WriteProgress(request.CheckpointPath, streamArn, poller.Progress, stopped: outcome.Stop != PollerStop.Idle || copy.IsCompleted);
            if (outcome.Stop == PollerStop.Idle && !copy.IsCompleted && !outcome.ShardsFailing)
            {
                log("replication is caught up and idle, but the copy goes on: replicating on from the checkpoint");
                continue;
            }

            return (outcome, poller);
        }
    }

    /// <summary>
    /// Called by <c>replicate</c> without --backfill: while a live copy of its checkpoint is
    /// unfinished (copying or sweeping), a second replicator would write plain deletes the copy
    /// could undo, or race the switch. Refuses, giving the command that finishes it.
    /// </summary>
    public static void RefuseWhileUnfinished(ReplicationRequest request)
    {
        if (BackfillState.Unfinished(request.CheckpointPath) is not { Phase: { } phase } state)
        {
            return;
        }

        var targets = string.Join(" ", state.Targets.Split(',').Select(target => $"--target {target}"));
        throw new UsageException(
            $"--checkpoint: {request.CheckpointPath} belongs to a replicate --backfill that has not finished ({(phase == LiveCopyPhase.Copying ? "copying" : "sweeping its delete markers")}; started {state.StartedAt:u}; progress in {BackfillState.PathFor(request.CheckpointPath)}). " +
            "Replicating without it would write plain deletes that the copy could undo, or leave delete markers on the targets. " +
            $"Finish it by running it again (it resumes where it stopped): replicator replicate --backfill --source {state.Source} {targets} --checkpoint {request.CheckpointPath} --segments {state.Segments.Count}" +
            (state.Selection is null ? "" : $" (with the same --filter/--include-attributes/--exclude-attributes: {state.Selection})"));
    }
}
