using System.Diagnostics;
using System.Text;

namespace Replicator.IntegrationTests.Lambda;

/// <summary>
/// The Native AOT <c>bootstrap</c>, published once to <c>artifacts/lambda</c> under the repository
/// root (the directory holding <c>global.json</c>). It is published when it is missing or older than
/// any source it is built from, under a file lock so that concurrent test runs publish it once.
/// A failed publish fails the tests, with the publish output; nothing is skipped.
/// </summary>
public sealed class PublishedBootstrap : IAsyncLifetime
{
    /// <summary>A Native AOT publish takes about a minute on two cores; this is far beyond it.</summary>
    public static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(10);

    public string RepositoryRoot { get; } = FindRepositoryRoot();

    public string OutputDirectory => Path.Combine(RepositoryRoot, "artifacts", "lambda");

    /// <summary>The published executable.</summary>
    public string Executable => Path.Combine(OutputDirectory, "bootstrap");

    public async ValueTask InitializeAsync()
    {
        if (IsUpToDate())
        {
            return;
        }

        Directory.CreateDirectory(Path.Combine(RepositoryRoot, "artifacts"));
        await using var publishLock = await LockAsync(Path.Combine(RepositoryRoot, "artifacts", "lambda-publish.lock"), PublishTimeout);
        if (!IsUpToDate())
        {
            await PublishAsync();
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "global.json")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No directory above {AppContext.BaseDirectory} holds global.json: cannot find the repository root.");
    }

    /// <summary>The binary exists and is newer than every source, project and build file it comes from.</summary>
    private bool IsUpToDate()
    {
        if (!File.Exists(Executable))
        {
            return false;
        }

        var built = File.GetLastWriteTimeUtc(Executable);
        var sources = Directory.EnumerateFiles(Path.Combine(RepositoryRoot, "src"), "*", SearchOption.AllDirectories)
            .Where(file => file.EndsWith(".cs", StringComparison.Ordinal) || file.EndsWith(".csproj", StringComparison.Ordinal))
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Concat(new[] { "global.json", "Directory.Build.props", "Directory.Packages.props" }.Select(name => Path.Combine(RepositoryRoot, name)).Where(File.Exists));
        return sources.All(file => File.GetLastWriteTimeUtc(file) <= built);
    }

    private async Task PublishAsync()
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "publish", "src/Replicator.Lambda/Replicator.Lambda.csproj", "-c", "Release", "-r", "linux-x64", "-o", "artifacts/lambda",
            "--disable-build-servers", "-nodeReuse:false",
        })
        {
            info.ArgumentList.Add(argument);
        }

        // The test host runs under `dotnet test`: its MSBuild settings must not leak into a separate build.
        foreach (var name in info.Environment.Keys.Where(name => name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";

        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        var started = Stopwatch.GetTimestamp();
        var startedAt = DateTime.UtcNow;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(PublishTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"dotnet publish of the bootstrap did not finish within {PublishTimeout.TotalMinutes} minutes. Its output:\n{Text(output)}");
        }

        if (process.ExitCode != 0 || !File.Exists(Executable))
        {
            throw new InvalidOperationException(
                $"dotnet publish of the bootstrap failed (exit code {process.ExitCode}{(File.Exists(Executable) ? "" : ", no artifacts/lambda/bootstrap")}). Its output:\n{Text(output)}");
        }

        // An incremental publish may leave the binary's time as it was: mark it as built from the
        // sources as they were when publishing began (a source edited since is still newer).
        if (File.GetLastWriteTimeUtc(Executable) < startedAt)
        {
            File.SetLastWriteTimeUtc(Executable, startedAt);
        }

        TestContext.Current.SendDiagnosticMessage($"Published the bootstrap in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s.");
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    /// <summary>An exclusive lock on <paramref name="path"/> (an advisory file lock, released when the stream closes), waited for at most <paramref name="timeout"/>.</summary>
    private static async Task<FileStream> LockAsync(string path, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(250);
            }
        }
    }
}
