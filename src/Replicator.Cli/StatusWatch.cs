using Spectre.Console;

namespace Replicator.Cli;

/// <summary>How <c>status --watch</c> runs: every <paramref name="Interval"/>, until Ctrl-C or <paramref name="MaxRefreshes"/>.</summary>
internal sealed record WatchSettings(TimeSpan Interval, int? MaxRefreshes, OutputFormat Output, string CheckpointFile);

/// <summary>
/// <c>status --watch</c>: a Spectre.Console live display on a terminal; elsewhere (output
/// redirected, or <c>--output json</c>) one text line or one JSON object a refresh, to pipe.
/// Ctrl-C leaves with exit 0; ending after <c>--max-refreshes</c> exits 1 if data was lost, as <c>status</c> does.
/// </summary>
internal static class StatusWatch
{
    public static async Task<int> RunAsync(IAnsiConsole console, WatchSampler sampler, WatchSettings settings, TimeProvider time, CancellationToken interrupt)
    {
        var live = settings.Output == OutputFormat.Text && console.Profile.Capabilities.Interactive && console.Profile.Capabilities.Ansi;
        WatchFrame? last = null;
        try
        {
            if (live)
            {
                await console.Live(new Markup("Reading the checkpoint and the stream…")).StartAsync(async context =>
                    await LoopAsync(sampler, settings, time, frame =>
                    {
                        last = frame;
                        context.UpdateTarget(WatchView.Live(frame, settings.CheckpointFile));
                        context.Refresh();
                    }, interrupt).ConfigureAwait(false)).ConfigureAwait(false);
            }
            else
            {
                await LoopAsync(sampler, settings, time, frame =>
                {
                    last = frame;
                    console.Profile.Out.Writer.WriteLine(settings.Output == OutputFormat.Json ? WatchJson.Render(frame) : WatchView.Line(frame));
                    console.Profile.Out.Writer.Flush();
                }, interrupt).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            // Ctrl-C is how a watch is meant to end.
            return ExitCodes.Ok;
        }

        return last?.DataLost is null ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static async Task LoopAsync(WatchSampler sampler, WatchSettings settings, TimeProvider time, Action<WatchFrame> show, CancellationToken interrupt)
    {
        for (var refresh = 1; settings.MaxRefreshes is not { } max || refresh <= max; refresh++)
        {
            var started = time.GetTimestamp();
            show(await sampler.SampleAsync(interrupt).ConfigureAwait(false));
            if (refresh == settings.MaxRefreshes)
            {
                break;
            }

            var wait = settings.Interval - time.GetElapsedTime(started);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, interrupt).ConfigureAwait(false);
            }
        }
    }
}
