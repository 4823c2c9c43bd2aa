using System.Diagnostics;
using System.Text;
using Replicator.IntegrationTests.Support;

namespace Replicator.IntegrationTests.Cli;

/// <summary>The <c>replicator</c> executable (built with the tests) run as a real process against moto.</summary>
internal sealed class ReplicatorProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ReplicatorProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static string Executable => Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "replicator.exe" : "replicator");

    public static ReplicatorProcess Start(MotoServer moto, params string[] args) => Start(moto, new Dictionary<string, string>(), args);

    /// <summary>Starts it with more environment variables, e.g. AWS_ENDPOINT_URL_DYNAMODB_STREAMS for a proxy in front of moto's Streams API.</summary>
    public static ReplicatorProcess Start(MotoServer moto, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo(Executable, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["AWS_ACCESS_KEY_ID"] = "testing";
        info.Environment["AWS_SECRET_ACCESS_KEY"] = "testing";
        info.Environment["AWS_ENDPOINT_URL"] = moto.Endpoint;
        info.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        info.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return new ReplicatorProcess(Process.Start(info) ?? throw new InvalidOperationException($"could not start {Executable}"));
    }

    /// <summary>Runs to the end (bounded) and returns the exit code and everything printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(MotoServer moto, TimeSpan timeout, params string[] args)
    {
        using var process = Start(moto, args);
        var code = await process.WaitAsync(timeout);
        return (code, process.Output);
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Kill();
            throw new TimeoutException($"replicator did not exit within {timeout}. Its output:\n{Output}");
        }

        _process.WaitForExit(); // Drains the output readers.
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no chance to finish a batch or write a checkpoint.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
