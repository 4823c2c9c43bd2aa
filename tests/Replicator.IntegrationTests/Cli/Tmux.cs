using System.Diagnostics;

namespace Replicator.IntegrationTests.Cli;

/// <summary>
/// A command run on a real terminal: a detached tmux session on a socket of its own (so the test
/// never touches anyone's tmux), whose screen <see cref="CaptureAsync"/> reads as text, as a person would see it.
/// </summary>
internal sealed class Tmux : IAsyncDisposable
{
    private readonly string _socket = $"replicator-test-{Guid.NewGuid():N}"[..28];
    private const string Session = "watch";

    private Tmux()
    {
    }

    /// <summary>Starts <paramref name="command"/> (a shell command line) on a <paramref name="width"/> × <paramref name="height"/> terminal.</summary>
    public static async Task<Tmux> StartAsync(string command, int width, int height)
    {
        if (!File.Exists("/usr/bin/tmux") && !File.Exists("/usr/local/bin/tmux"))
        {
            throw new InvalidOperationException("This test runs the live view on a terminal and needs tmux (apt-get install tmux).");
        }

        var tmux = new Tmux();
        await tmux.RunAsync("new-session", "-d", "-s", Session, "-x", $"{width}", "-y", $"{height}", command);
        return tmux;
    }

    public Task<string> CaptureAsync() => RunAsync("capture-pane", "-p", "-t", Session);

    /// <summary>Types Ctrl-C, as a person leaving the view would.</summary>
    public Task InterruptAsync() => RunAsync("send-keys", "-t", Session, "C-c");

    private async Task<string> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["-u", "-L", _socket, .. args])
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start tmux");
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"tmux {string.Join(' ', args)} exited {process.ExitCode}: {error}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync("kill-server");
        }
        catch (InvalidOperationException)
        {
            // The server ended with its last session.
        }
    }
}
