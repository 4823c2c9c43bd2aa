using System.Diagnostics;
using System.Net;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Replicator.Aws;
using Replicator.TestSupport;

namespace Replicator.IntegrationTests.Support;

/// <summary>
/// A real moto server (DynamoDB, DynamoDB Streams, SQS) on a free loopback port, for the whole
/// test collection. Fails loudly, never skips, when moto cannot be found or started.
/// Tests share it and keep apart by using their own table and queue names (<see cref="UniqueName"/>).
/// </summary>
public sealed class MotoServer : IAsyncLifetime
{
    public static readonly BasicAWSCredentials Credentials = new("testing", "testing");

    private Process? _process;
    private readonly List<string> _output = [];

    public string Endpoint { get; private set; } = "";

    public AwsClients Clients { get; private set; } = new(Credentials);

    public async ValueTask InitializeAsync()
    {
        var executable = Locate();
        for (var attempt = 1; ; attempt++)
        {
            var port = LoopbackHttpServer.FreePort();
            _process = Start(executable, port);
            Endpoint = $"http://127.0.0.1:{port}";
            if (await WaitUntilReadyAsync(_process, TimeSpan.FromSeconds(30)))
            {
                break;
            }

            Stop();
            if (attempt == 3)
            {
                throw new InvalidOperationException($"moto_server did not start on 127.0.0.1 after {attempt} attempts. Its output:\n{string.Join('\n', _output)}");
            }
        }

        Clients = new AwsClients(Credentials, Endpoint);
    }

    /// <summary>A name no other test uses: tables and queues are shared by the whole collection.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)];

    /// <summary>Creates a table (partition key <c>pk</c>, optional sort key <c>sk</c>, of the given types) and waits until it is active.</summary>
    public async Task<string> CreateTableAsync(string region, string prefix = "table", string partitionKeyType = "S", string? sortKeyType = null, bool stream = false)
    {
        var name = UniqueName(prefix);
        var request = new CreateTableRequest
        {
            TableName = name,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("pk", partitionKeyType)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
        };
        if (sortKeyType is not null)
        {
            request.AttributeDefinitions.Add(new AttributeDefinition("sk", sortKeyType));
            request.KeySchema.Add(new KeySchemaElement("sk", KeyType.RANGE));
        }

        if (stream)
        {
            request.StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = StreamViewType.NEW_AND_OLD_IMAGES };
        }

        await Clients.DynamoDb(region).CreateTableAsync(request);
        return name;
    }

    /// <summary>Every item of a table, by a full scan (strongly consistent).</summary>
    public async Task<List<Dictionary<string, AttributeValue>>> ScanAsync(string region, string table)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await Clients.DynamoDb(region).ScanAsync(new ScanRequest { TableName = table, ExclusiveStartKey = start, ConsistentRead = true });
            items.AddRange(page.Items ?? []);
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
        return items;
    }

    public async ValueTask DisposeAsync()
    {
        Clients.Dispose();
        Stop();
        await Task.CompletedTask;
    }

    private void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>moto_server from PATH, or from the pyenv shims a bare PATH may lack.</summary>
    public static string Locate()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append(Path.Combine(home, ".pyenv", "shims"))
            .Select(directory => Path.Combine(directory, "moto_server"));
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                "moto_server was not found on PATH or in ~/.pyenv/shims. The integration tests need it: install it with pip install \"moto[server]\".");
    }

    private Process Start(string executable, int port)
    {
        var info = new ProcessStartInfo(executable, ["-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {executable}");
        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Count < 200)
            {
                _output.Add(line);
            }
        }
    }

    private async Task<bool> WaitUntilReadyAsync(Process process, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync($"{Endpoint}/moto-api/");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        return false;
    }
}

[CollectionDefinition(Name)]
public sealed class MotoCollection : ICollectionFixture<MotoServer>
{
    public const string Name = "moto";
}
