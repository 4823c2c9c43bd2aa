using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Replicator.Cli;

/// <summary>
/// A moto server (DynamoDB, DynamoDB Streams, SQS) on a free loopback port, for the demo and the
/// tests: started, waited for, and stopped with everything it started.
/// </summary>
public sealed class LocalMoto : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output;

    private LocalMoto(Process process, Uri endpoint, List<string> output)
    {
        _process = process;
        Endpoint = endpoint;
        _output = output;
    }

    public Uri Endpoint { get; }

    /// <summary>moto_server from PATH, or from the pyenv shims a bare PATH may lack; null when it is nowhere.</summary>
    public static string? Locate()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append(Path.Combine(home, ".pyenv", "shims"))
            .Select(directory => Path.Combine(directory, "moto_server"))
            .FirstOrDefault(File.Exists);
    }

    public const string NotInstalled = "moto_server was not found on PATH (nor in ~/.pyenv/shims). Install it with: pip install \"moto[server]\"";

    /// <summary>Starts moto on a free 127.0.0.1 port and waits until it answers (three tries at most).</summary>
    public static async Task<LocalMoto> StartAsync(CancellationToken cancellationToken)
    {
        var executable = Locate() ?? throw new InvalidOperationException(NotInstalled);
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var output = new List<string>();
            var info = new ProcessStartInfo(executable, ["-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {executable}");
            void Keep(string? line)
            {
                lock (output)
                {
                    if (line is not null && output.Count < 200)
                    {
                        output.Add(line);
                    }
                }
            }

            process.OutputDataReceived += (_, e) => Keep(e.Data);
            process.ErrorDataReceived += (_, e) => Keep(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var moto = new LocalMoto(process, new Uri($"http://127.0.0.1:{port}"), output);
            if (await moto.WaitUntilReadyAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false))
            {
                return moto;
            }

            await moto.DisposeAsync().ConfigureAwait(false);
            if (attempt == 3)
            {
                throw new InvalidOperationException($"moto_server did not start on 127.0.0.1 after {attempt} attempts. Its output:\n{string.Join('\n', output)}");
            }
        }
    }

    private async Task<bool> WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(Endpoint, "/moto-api/"), cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return true;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    /// <summary>What moto printed (its first 200 lines), for error messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }

        _process.Dispose();
    }
}
