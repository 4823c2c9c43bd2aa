using System.CommandLine;
using Replicator.Streams;
using Spectre.Console;

namespace Replicator.Cli;

internal static class Cli
{
    public static async Task<int> RunAsync(string[] args, IAnsiConsole? console = null)
    {
        console ??= AnsiConsole.Console;

        // Ctrl-C and SIGTERM ask for a graceful stop: the batch in flight finishes and its checkpoint
        // is written. A second Ctrl-C is not intercepted, and ends the process at once.
        using var interrupt = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            if (!interrupt.IsCancellationRequested)
            {
                e.Cancel = true;
                interrupt.Cancel();
            }
        };
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            interrupt.Cancel();
        });

        var root = new RootCommand("Replicates a DynamoDB table's changes to tables in other regions, exactly once in effect.")
        {
            ReplicateCommand.Create(console, interrupt.Token),
            StatusCommand.Create(console, interrupt.Token),
            DemoCommand.Create(console, interrupt.Token),
            VerifyCommand.Create(console, interrupt.Token),
            BackfillCommand.Create(console, interrupt.Token),
            ConflictsCommand.Create(console, interrupt.Token),
            SetupCommand.Create(console, interrupt.Token),
            RedriveCommand.Create(console, interrupt.Token),
            FilterCriteriaCommand.Create(console),
        };

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                console.MarkupLineInterpolated($"[red]error:[/] {error.Message}");
            }

            console.MarkupLine("Run [bold]replicator --help[/] or [bold]replicator COMMAND --help[/] for the options.");
            return ExitCodes.Usage;
        }

        try
        {
            // No termination timeout: Ctrl-C is ours to handle, and a batch may take longer than a fixed grace period.
            return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
        }
        catch (Exception e) when (e is UsageException or CheckpointException or Aws.UnknownRegionException)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            console.MarkupLine("Interrupted.");
            return ExitCodes.Failed;
        }
        catch (Exception e)
        {
            // AWS errors (access denied, no credentials, an unreachable endpoint) and anything else: the message, not a stack trace.
            console.MarkupLineInterpolated($"[red]error:[/] {e.GetType().Name}: {e.Message}");
            return ExitCodes.Failed;
        }
    }
}
