using System.CommandLine;
using System.Globalization;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.Aws.Redrive;
using Replicator.MultiActive;
using Replicator.Planning;
using Replicator.Redrive;
using Spectre.Console;

namespace Replicator.Cli;

/// <summary>
/// <c>replicator redrive</c>: takes the letters out of the dead-letter queue or the event source
/// mapping's on-failure queue (or a queue holding both), once their cause is fixed, by writing
/// the source's current items (<see cref="Redriver"/>). Exit 0 when every letter read was
/// redriven, 1 when any stays, 2 for a usage error.
/// </summary>
internal static class RedriveCommand
{
    public static Command Create(IAnsiConsole console, CancellationToken interrupt)
    {
        var queue = CommonOptions.QueueUrl(
            "--queue",
            "The SQS queue URL to redrive: the dead-letter queue (poison records), the event source mapping's on-failure queue (batches Lambda gave up on), or one holding both.");
        queue.Required = true;
        var source = CommonOptions.Source();
        var targets = CommonOptions.Targets();
        var roles = new TargetRoleOptions();
        var endpoint = CommonOptions.Endpoint();
        var dryRun = new Option<bool>("--dry-run") { Description = "List what would be written (key, target, put or delete); write nothing, delete no letter, and leave every letter visible in the queue." };
        var maxMessages = new Option<int?>("--max-messages")
        {
            Description = "Redrive at most this many letters (default: until the queue answers empty).",
            CustomParser = result => int.TryParse(result.Tokens.Single().Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1
                ? n
                : CommonOptions.Error<int?>(result, $"--max-messages: '{result.Tokens.Single().Value}' is not a whole number of at least 1", null),
        };
        var visibility = CommonOptions.Duration(
            "--visibility-timeout",
            "How long a letter being redriven stays hidden from other readers (default 5m, at most 12h): a letter whose write fails, or whose run stops before deleting it, comes back after this.");
        var output = CommonOptions.Output();
        var mode = MultiActiveOptions.Mode();
        var metadataAttribute = MultiActiveOptions.MetadataAttribute();
        var command = new Command(
            "redrive",
            "Take the letters out of the dead-letter or on-failure queue once their cause is fixed: each letter's keys are read again on the source (strongly consistent) and the source's current item, or a delete where it has none, is written to the letter's targets; never the letter's old image. " +
            "A letter is deleted only once its writes are durable on every target it names; one that fails stays in the queue. Exit 1 if any letter stays.")
        {
            queue, source, targets, endpoint, dryRun, maxMessages, visibility, mode, metadataAttribute, output,
        };
        var filters = FilterOptions.AddTo(command);
        roles.AddTo(command);
        command.SetAction(async (parsed, _) =>
        {
            var sourceTable = parsed.GetRequiredValue(source);
            var targetTables = parsed.GetRequiredValue(targets);
            var multiActive = parsed.GetValue(mode) == ReplicationMode.MultiActive;
            var selection = filters.Selection(parsed, multiActive);
            if (multiActive)
            {
                MultiActiveOptions.CheckRegions(sourceTable, targetTables);
            }
            else if (parsed.GetResult(metadataAttribute) is { Implicit: false })
            {
                throw new UsageException("--metadata-attribute is for multi-active mode; add --mode multi-active.");
            }

            var timeout = parsed.GetValue(visibility) ?? TimeSpan.FromMinutes(5);
            if (timeout > RedriveSettings.MaxVisibilityTimeout)
            {
                throw new UsageException($"--visibility-timeout: {Durations.Format(timeout)} is longer than SQS allows (12h).");
            }

            var queueUrl = parsed.GetRequiredValue(queue)!; // required, and the parser never yields null for a value it accepts
            using var clients = new AwsClients(endpoint: parsed.GetValue(endpoint)?.ToString(), access: roles.Access(parsed, targetTables));
            await Tables.CheckAsync(clients, sourceTable, targetTables, interrupt).ConfigureAwait(false);
            var identity = (await Tables.ResolveAsync(clients, sourceTable, "--source", interrupt).ConfigureAwait(false)).Identity;
            IReadOnlyList<ITargetWriter> writers;
            if (multiActive)
            {
                await MultiActiveOptions.RequireSetupAsync(clients, sourceTable, targetTables, parsed.GetValue(endpoint), interrupt).ConfigureAwait(false);
                var attribute = MultiActiveOptions.Settings(parsed.GetRequiredValue(metadataAttribute), null).MetadataAttribute;
                var (_, replicas) = MultiActiveOptions.Replicas(clients, sourceTable, targetTables);
                writers = [.. targetTables.Select((target, i) => new GuardedCopyWriter(target, replicas[i].Tables, attribute))];
            }
            else
            {
                writers = [.. targetTables.Select(clients.Writer)];
            }

            var settings = new RedriveSettings
            {
                Source = sourceTable,
                SourceIdentity = identity,
                MaxMessages = parsed.GetValue(maxMessages),
                DryRun = parsed.GetValue(dryRun),
                VisibilityTimeout = timeout,
                MultiActive = multiActive,
            };
            var letters = new SqsLetterQueue(clients.Sqs(AwsClients.RegionOfQueue(queueUrl) ?? sourceTable.Region), queueUrl);
            // Filtered: the source's current item is written projected if it matches, and deleted on the targets if not.
            var sourceReader = selection.IsAll ? clients.TableReader(sourceTable) : new Filtering.SelectedTableReader(clients.TableReader(sourceTable), selection);
            var redriver = new Redriver(letters, sourceReader, writers, clients.Streams(sourceTable.Region), settings, TimeProvider.System, new Random());
            return await RunAsync(console, redriver, parsed.GetValue(output) == OutputFormat.Json, interrupt).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Runs the redrive with a progress display when the console is interactive, then reports: exit 0 if every letter was redriven, else 1.</summary>
    internal static async Task<int> RunAsync(IAnsiConsole console, Redriver redriver, bool json, CancellationToken interrupt)
    {
        var run = redriver.RunAsync(interrupt);
        if (!json && console.Profile.Capabilities.Interactive)
        {
            await console.Progress()
                .Columns(new TaskDescriptionColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask("Redriving", maxValue: 1);
                    while (!run.IsCompleted)
                    {
                        await Task.WhenAny(run, Task.Delay(200, CancellationToken.None)).ConfigureAwait(false);
                        var counters = redriver.Counters;
                        task.Description = $"Read {counters.LettersRead} letters: {counters.Redriven} redriven, {counters.Kept} kept";
                    }

                    task.Value = 1;
                }).ConfigureAwait(false);
        }

        RedriveReport report;
        try
        {
            report = await run.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            var counters = redriver.Counters;
            console.MarkupLineInterpolated($"Interrupted after {counters.LettersRead} letters ({counters.Redriven} redriven); a letter not yet deleted comes back after its visibility timeout: run the same command again.");
            return ExitCodes.Failed;
        }

        if (json)
        {
            console.Profile.Out.Writer.WriteLine(RedriveJson.Render(report));
        }
        else
        {
            Report(console, report);
        }

        return report.Succeeded ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static void Report(IAnsiConsole console, RedriveReport report)
    {
        if (report.DryRun)
        {
            foreach (var write in report.Planned)
            {
                console.MarkupLineInterpolated($"would {(write.Kind == WriteKind.Put ? "put" : "delete")} {write.Key} on {write.Target}");
            }
        }

        var verb = report.DryRun ? "would be redriven" : "redriven";
        console.MarkupLineInterpolated($"Read [bold]{report.LettersRead}[/] letter{(report.LettersRead == 1 ? "" : "s")}: [green]{report.Redriven}[/] {verb}, [{(report.Kept.Count == 0 ? "green" : "red")}]{report.Kept.Count}[/] kept in the queue{(report.DryRun ? " (dry run: nothing written, no letter deleted)" : "")}.");
        var table = new Table().AddColumns("Target", report.DryRun ? "Would put" : "Written", report.DryRun ? "Would delete" : "Deleted");
        foreach (var target in report.Targets)
        {
            var (puts, deletes) = report.DryRun
                ? (report.Planned.Count(write => write.Target == target.Target && write.Kind == WriteKind.Put), report.Planned.Count(write => write.Target == target.Target && write.Kind == WriteKind.Delete))
                : ((int)target.Written, (int)target.Deleted);
            table.AddRow(Markup.Escape(target.Target.ToString()), puts.ToString(CultureInfo.InvariantCulture), deletes.ToString(CultureInfo.InvariantCulture));
        }

        console.Write(table);
        foreach (var letter in report.Kept)
        {
            var keys = letter.Keys.Count == 0 ? "" : $" Keys: {string.Join(", ", letter.Keys.Take(20))}{(letter.Keys.Count > 20 ? $" and {letter.Keys.Count - 20} more" : "")}.";
            console.MarkupLineInterpolated($"[yellow]kept[/] {letter.MessageId} ({KeptReasons.Name(letter.Reason)}): {letter.Detail}.{keys}");
        }
    }
}
