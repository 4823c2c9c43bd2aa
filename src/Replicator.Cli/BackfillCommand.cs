using System.CommandLine;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.Aws.Verification;
using Replicator.Backfill;
using Replicator.MultiActive;
using Replicator.Verification;
using Spectre.Console;

namespace Replicator.Cli;

/// <summary>
/// <c>replicator backfill</c>: copies a table's existing items to the targets, then leaves
/// replicate a checkpoint to replay from. With <c>--mode multi-active</c>, copies a live
/// multi-active table into a region joining the set instead, through guards
/// (<see cref="GuardedCopyWriter"/>), and takes no stream position.
/// </summary>
internal static class BackfillCommand
{
    /// <summary>What a multi-active copy keeps in a backfill's place for a stream position: it takes none.</summary>
    private const string NoStream = "(none: a multi-active copy takes no stream position)";

    public static Command Create(IAnsiConsole console, CancellationToken interrupt)
    {
        var source = CommonOptions.Source();
        var targets = CommonOptions.Targets();
        var roles = new TargetRoleOptions();
        var endpoint = CommonOptions.Endpoint();
        var checkpoint = CommonOptions.Checkpoint();
        var output = CommonOptions.Output();
        var segments = CommonOptions.Segments("to copy the source in");
        var mode = MultiActiveOptions.Mode();
        var metadataAttribute = MultiActiveOptions.MetadataAttribute();
        var maxReadUnits = CommonOptions.MaxReadUnits("the source's scan");
        var maxWriteUnits = CommonOptions.MaxWriteUnits("the copy's writes, per target");
        var command = new Command(
            "backfill",
            "Copy every item of the source to the targets, safely while the application writes: the stream position from before the copy becomes the checkpoint that replicate resumes from. " +
            "With --mode multi-active: copy a live multi-active table into a region joining the set, never over a newer write or a delete (no stream position: the running replicators forward every change made meanwhile). Resumable: run it again after an interruption.")
        {
            source, targets, endpoint, checkpoint, segments, maxReadUnits, maxWriteUnits, mode, metadataAttribute, output,
        };
        var filters = FilterOptions.AddTo(command);
        roles.AddTo(command);
        command.SetAction(async (parsed, _) =>
        {
            var sourceTable = parsed.GetRequiredValue(source);
            var targetTables = parsed.GetRequiredValue(targets);
            string? multiActive = null;
            string checkpointPath;
            var selection = filters.Selection(parsed, parsed.GetValue(mode) == ReplicationMode.MultiActive);
            if (parsed.GetValue(mode) == ReplicationMode.MultiActive)
            {
                MultiActiveOptions.CheckRegions(sourceTable, targetTables);
                multiActive = MultiActiveOptions.Settings(parsed.GetRequiredValue(metadataAttribute), null).MetadataAttribute;
                if (parsed.GetValue(checkpoint) is not null)
                {
                    throw new UsageException(
                        "--checkpoint: a multi-active backfill takes no stream position and leaves no checkpoint (the replicators of the set, restarted with the new region as a target, forward every change made during the copy). " +
                        $"Leave it out; the copy's progress is kept in {BackfillState.PathFor(CopyProgressPath(sourceTable, targetTables))}.");
                }

                checkpointPath = CopyProgressPath(sourceTable, targetTables);
            }
            else
            {
                if (parsed.GetResult(metadataAttribute) is { Implicit: false })
                {
                    throw new UsageException("--metadata-attribute is for multi-active mode; add --mode multi-active.");
                }

                checkpointPath = CommonOptions.CheckpointPath(parsed.GetValue(checkpoint), sourceTable);
            }

            // The progress file is written before anything else, so its directory must be there (.replicator, by default, may not be yet).
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(checkpointPath))!);
            var request = new BackfillRequest(sourceTable, targetTables, parsed.GetValue(segments), checkpointPath);
            using var clients = new AwsClients(endpoint: parsed.GetValue(endpoint)?.ToString(), access: roles.Access(parsed, targetTables))
            {
                Capacity = new Pacing.CapacityLimits(parsed.GetValue(maxReadUnits), parsed.GetValue(maxWriteUnits)),
            };
            return await RunAsync(console, clients, request, multiActive, parsed.GetValue(endpoint), parsed.GetValue(output) == OutputFormat.Json, interrupt, selection).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>
    /// Where a multi-active copy's progress is kept (<see cref="BackfillState.PathFor"/> of this):
    /// named after the copy, never beside a replicator's checkpoint, so that no replicator of the
    /// set refuses to start while the copy is unfinished.
    /// </summary>
    private static string CopyProgressPath(TargetTable source, IReadOnlyList<TargetTable> targets) =>
        Path.Combine(".replicator", $"{source.Region}.{source.TableName}.copy-to.{string.Join("+", targets.Select(target => $"{target.Region}.{target.TableName}"))}");

    /// <param name="metadataAttribute">Multi-active mode's metadata attribute; null in one-way mode.</param>
    /// <param name="selection">One-way: copy only what replicate would (the items the filter matches, projected).</param>
    private static async Task<int> RunAsync(IAnsiConsole console, AwsClients clients, BackfillRequest request, string? metadataAttribute, Uri? endpoint, bool json, CancellationToken interrupt, Filtering.ItemSelection? selection = null)
    {
        await Tables.CheckAsync(clients, request.Source, request.Targets, interrupt).ConfigureAwait(false);
        string streamArn;
        IReadOnlyList<ITargetWriter> writers;
        if (metadataAttribute is not null)
        {
            // The guards read the targets' tombstones.
            await MultiActiveOptions.RequireSetupAsync(clients, request.Source, request.Targets, endpoint, interrupt).ConfigureAwait(false);
            streamArn = NoStream;
            var (_, replicas) = MultiActiveOptions.Replicas(clients, request.Source, request.Targets);
            writers = [.. request.Targets.Select((target, i) => clients.WithinBudget(new GuardedCopyWriter(target, replicas[i].Tables, metadataAttribute)))];
        }
        else
        {
            // Refuses a source without a stream: a copy without a replay after it is not safe while writes go on.
            streamArn = await PollerHost.StreamArnAsync(clients, request.Source, interrupt).ConfigureAwait(false);
            writers = [.. request.Targets.Select(clients.Writer)];
        }

        // Scans over the JSON protocol: a scanned item stays the answer's bytes, sent into the targets' writes as they are.
        ITableReader sourceReader = clients.TableReader(request.Source);
        await CheckKeySchemasAsync(clients, sourceReader, request.Targets, interrupt).ConfigureAwait(false);
        if (selection is { IsAll: false })
        {
            sourceReader = new Filtering.SelectedTableReader(sourceReader, selection);
        }

        var streams = metadataAttribute is null ? clients.Streams(request.Source.Region) : null;
        var backfiller = new Backfiller(sourceReader, writers, streams, TimeProvider.System, new Random(), line => Console.Error.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss} {line}"));
        var run = backfiller.RunAsync(request, streamArn, interrupt);
        if (!json && console.Profile.Capabilities.Interactive)
        {
            await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask("Copying", maxValue: 1);
                    while (!run.IsCompleted)
                    {
                        await Task.WhenAny(run, Task.Delay(200, CancellationToken.None)).ConfigureAwait(false);
                        var counters = backfiller.Counters;
                        // By items read: under a filter, most are read and not copied.
                        task.MaxValue = Math.Max(1, Math.Max(counters.ApproximateTotal, counters.ItemsScanned));
                        task.Value = counters.ItemsScanned;
                        task.Description = $"Copied {counters.ItemsCopied} items, {counters.SegmentsDone}/{request.Segments} segments";
                    }
                }).ConfigureAwait(false);
        }

        BackfillResult result;
        try
        {
            result = await run.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            console.MarkupLineInterpolated($"Interrupted after {backfiller.Counters.ItemsCopied} items; run the same command again to resume.");
            return ExitCodes.Failed;
        }
        catch (BackfillException e)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return ExitCodes.Failed;
        }

        var rate = result.ItemsCopied / Math.Max(0.001, result.Elapsed.TotalSeconds);
        if (metadataAttribute is not null)
        {
            ReportCopy(console, request, result, writers.Cast<GuardedCopyWriter>().ToList(), rate, json);
            return ExitCodes.Ok;
        }

        if (json)
        {
            console.Profile.Out.Writer.WriteLine(JsonText.Render(writer =>
            {
                writer.WriteStartObject();
                writer.WriteNumber("itemsCopied", result.ItemsCopied);
                writer.WriteNumber("seconds", Math.Round(result.Elapsed.TotalSeconds, 1));
                writer.WriteNumber("itemsPerSecond", Math.Round(rate, 1));
                writer.WriteBoolean("resumed", result.Resumed);
                writer.WriteString("streamArn", result.StreamArn);
                writer.WriteString("checkpoint", Path.GetFullPath(request.CheckpointPath));
                writer.WriteEndObject();
            }));
        }
        else
        {
            console.MarkupLineInterpolated($"Copied [bold]{result.ItemsCopied}[/] items in {result.Elapsed.TotalSeconds:0.0} s ({rate:0} items/s){(result.Resumed ? ", resumed" : "")}.");
            console.MarkupLineInterpolated($"The checkpoint {Path.GetFullPath(request.CheckpointPath)} holds the stream position from before the copy. Within 24 hours, run replicate with it to apply the changes made since:");
            console.MarkupLineInterpolated($"  replicator replicate --source {request.Source} {string.Join(" ", request.Targets.Select(t => TargetRoleOptions.Spell(t, clients.Access)))} --checkpoint {request.CheckpointPath}");
        }

        return ExitCodes.Ok;
    }

    /// <summary>A multi-active copy: how many copies landed, how many found something newer, and the step that comes next.</summary>
    private static void ReportCopy(IAnsiConsole console, BackfillRequest request, BackfillResult result, IReadOnlyList<GuardedCopyWriter> writers, double rate, bool json)
    {
        var written = writers.Sum(writer => writer.Written);
        var stood = writers.Sum(writer => writer.Stood);
        if (json)
        {
            console.Profile.Out.Writer.WriteLine(JsonText.Render(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("mode", "multi-active");
                writer.WriteNumber("itemsCopied", result.ItemsCopied);
                writer.WriteNumber("written", written);
                writer.WriteNumber("stood", stood);
                writer.WriteNumber("seconds", Math.Round(result.Elapsed.TotalSeconds, 1));
                writer.WriteNumber("itemsPerSecond", Math.Round(rate, 1));
                writer.WriteBoolean("resumed", result.Resumed);
                writer.WriteEndObject();
            }));
            return;
        }

        console.MarkupLineInterpolated($"Copied [bold]{result.ItemsCopied}[/] items in {result.Elapsed.TotalSeconds:0.0} s ({rate:0} items/s){(result.Resumed ? ", resumed" : "")}: {written} written, {stood} left as they were (the target held a newer write or a delete, or the item was being deleted).");
        foreach (var target in request.Targets)
        {
            console.MarkupLineInterpolated($"Now start {target}'s own replicator, from the stream's end (the copy's records are not the application's), with every other table of the set as a target:");
            console.MarkupLineInterpolated($"  replicator replicate --mode multi-active --source {target} --target {request.Source} [[--target ...]] --start-at latest");
        }
    }

    /// <summary>
    /// Every target must have the source's key (verify's rule, <see cref="TableShape.SameKeyAs"/>),
    /// or every write would be refused.
    /// </summary>
    private static async Task CheckKeySchemasAsync(AwsClients clients, ITableReader source, IReadOnlyList<TargetTable> targets, CancellationToken cancellationToken)
    {
        var expected = await source.DescribeAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new UsageException($"--source: table {source.Table} does not exist.");
        foreach (var target in targets)
        {
            var shape = await new DynamoDbTableReader(clients.DynamoDb(target), target).DescribeAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new UsageException($"--target: table {target} does not exist.");
            if (!shape.SameKeyAs(expected))
            {
                throw new UsageException($"--target: {target} is keyed by {shape.DescribeKey()}, but the source by {expected.DescribeKey()}; a target needs the source's key schema.");
            }
        }
    }

    /// <summary>
    /// Called by <c>replicate</c> before it starts: while a backfill of this checkpoint is
    /// unfinished, replicating from it would let a copied item land after a newer replicated
    /// change and stay wrong for good. Refuses, saying how to finish the backfill.
    /// </summary>
    public static void RefuseWhileUnfinished(string checkpointPath)
    {
        if (BackfillState.Unfinished(checkpointPath) is not { } state)
        {
            return;
        }

        var targets = string.Join(" ", state.Targets.Split(',').Select(target => $"--target {target}"));
        throw new UsageException(
            $"--checkpoint: {checkpointPath} belongs to a backfill that has not finished (started {state.StartedAt:u}; progress in {BackfillState.PathFor(checkpointPath)}). " +
            "Replicating now could write a newer change that the rest of the copy then overwrites with an older image, and that item would stay wrong. " +
            $"Finish the backfill first by running it again (it resumes where it stopped): replicator backfill --source {state.Source} {targets} --checkpoint {checkpointPath} --segments {state.Segments.Count}");
    }
}
