using System.CommandLine;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.Aws.Verification;
using Replicator.Backfill;
using Replicator.Verification;
using Spectre.Console;

namespace Replicator.Cli;

/// <summary><c>replicator backfill</c>: copies a table's existing items to the targets, then leaves replicate a checkpoint to replay from.</summary>
internal static class BackfillCommand
{
    public static Command Create(IAnsiConsole console, CancellationToken interrupt)
    {
        var source = CommonOptions.Source();
        var targets = CommonOptions.Targets();
        var endpoint = CommonOptions.Endpoint();
        var checkpoint = CommonOptions.Checkpoint();
        var output = CommonOptions.Output();
        var segments = CommonOptions.Segments("to copy the source in");
        var command = new Command(
            "backfill",
            "Copy every item of the source to the targets, safely while the application writes: the stream position from before the copy becomes the checkpoint that replicate resumes from. Resumable: run it again after an interruption.")
        {
            source, targets, endpoint, checkpoint, segments, output,
        };
        command.SetAction(async (parsed, _) =>
        {
            var sourceTable = parsed.GetRequiredValue(source);
            var targetTables = parsed.GetRequiredValue(targets);
            var request = new BackfillRequest(sourceTable, targetTables, parsed.GetValue(segments), CommonOptions.CheckpointPath(parsed.GetValue(checkpoint), sourceTable));
            using var clients = new AwsClients(endpoint: parsed.GetValue(endpoint)?.ToString());
            return await RunAsync(console, clients, request, parsed.GetValue(output) == OutputFormat.Json, interrupt).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(IAnsiConsole console, AwsClients clients, BackfillRequest request, bool json, CancellationToken interrupt)
    {
        await Tables.CheckAsync(clients, request.Source, request.Targets, interrupt).ConfigureAwait(false);

        // Refuses a source without a stream: a copy without a replay after it is not safe while writes go on.
        var streamArn = await PollerHost.StreamArnAsync(clients, request.Source, interrupt).ConfigureAwait(false);
        var sourceReader = new DynamoDbTableReader(clients.DynamoDb(request.Source.Region), request.Source);
        await CheckKeySchemasAsync(clients, sourceReader, request.Targets, interrupt).ConfigureAwait(false);
        var writers = request.Targets.Select(ITargetWriter (t) => new DynamoDbTargetWriter(clients.DynamoDb(t.Region), t)).ToList();
        var backfiller = new Backfiller(sourceReader, writers, clients.Streams(request.Source.Region), TimeProvider.System, new Random(), line => Console.Error.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss} {line}"));
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
                        task.MaxValue = Math.Max(1, Math.Max(counters.ApproximateTotal, counters.ItemsCopied));
                        task.Value = counters.ItemsCopied;
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
            console.MarkupLineInterpolated($"  replicator replicate --source {request.Source} {string.Join(" ", request.Targets.Select(t => $"--target {t}"))} --checkpoint {request.CheckpointPath}");
        }

        return ExitCodes.Ok;
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
            var shape = await new DynamoDbTableReader(clients.DynamoDb(target.Region), target).DescribeAsync(cancellationToken).ConfigureAwait(false)
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
