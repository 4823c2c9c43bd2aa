using System.Diagnostics;
using System.Text;

namespace Replicator.IntegrationTests.Lambda;

/// <summary>
/// The published <c>bootstrap</c> running as a child process, as Lambda runs it: with a clean
/// environment holding only what a test gives it (plus PATH and HOME), its stdout and stderr kept
/// line by line. Disposing kills it if it is still running.
/// </summary>
public sealed class BootstrapProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];

    private BootstrapProcess(Process process, long startedAt)
    {
        _process = process;
        StartedAt = startedAt;
    }

    /// <summary>A <see cref="Stopwatch"/> timestamp taken just before the process started.</summary>
    public long StartedAt { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process wrote so far (stdout and stderr), one entry a line.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public static BootstrapProcess Start(string executable, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment.Clear();
        foreach (var name in new[] { "PATH", "HOME" })
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
            {
                info.Environment[name] = value;
            }
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info };
        var started = Stopwatch.GetTimestamp();
        var bootstrap = new BootstrapProcess(process, started);
        process.OutputDataReceived += (_, e) => bootstrap.Remember(e.Data);
        process.ErrorDataReceived += (_, e) => bootstrap.Remember(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return bootstrap;
    }

    private void Remember(string? line)
    {
        if (line is not null)
        {
            lock (_lines)
            {
                _lines.Add(line);
            }
        }
    }

    /// <summary>
    /// Waits for <paramref name="task"/> at most <paramref name="timeout"/>; if it does not complete, fails
    /// saying what was awaited, whether the process is still running, and everything it wrote.
    /// </summary>
    public async Task<T> Within<T>(Task<T> task, TimeSpan timeout, string what)
    {
        var exited = _process.WaitForExitAsync();
        var expired = Task.Delay(timeout);
        var first = await Task.WhenAny(task, exited, expired);
        if (first == exited && !task.IsCompleted)
        {
            // It exited: give a reply already on its way a moment to be recorded.
            await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(1)));
        }

        return task.IsCompleted ? await task : throw new TimeoutException($"{what} did not happen within {timeout.TotalSeconds:0} s. {Describe()}");
    }

    /// <summary>Sends SIGTERM, as Lambda does before it shuts an execution environment down.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run kill");
        using var expiry = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await kill.WaitForExitAsync(expiry.Token);
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Waits for the process to exit, at most <paramref name="timeout"/>; returns its exit code.</summary>
    public async Task<int> ExitAsync(TimeSpan timeout)
    {
        using var expiry = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(expiry.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the bootstrap did not exit within {timeout.TotalSeconds:0} s. {Describe()}");
        }

        return _process.ExitCode;
    }

    /// <summary>The process's state and its output, for a failure message.</summary>
    public string Describe()
    {
        var state = _process.HasExited ? $"The bootstrap exited with code {_process.ExitCode}" : "The bootstrap is still running";
        var output = new StringBuilder().AppendJoin('\n', Lines);
        return $"{state}; its output:\n{output}";
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            using var expiry = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(expiry.Token);
            }
            catch (OperationCanceledException)
            {
                // Killed but not yet reaped; the OS finishes it.
            }
        }

        _process.Dispose();
    }
}
