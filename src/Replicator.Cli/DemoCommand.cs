using System.CommandLine;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.Aws.Verification;
using Replicator.Model;
using Replicator.Streams;
using Spectre.Console;

namespace Replicator.Cli;

/// <summary>
/// <c>replicator demo</c>: the whole thing on one machine. Starts moto (unless given an endpoint),
/// creates a source table with a stream and a target in another region, replicates while writing a
/// mixed workload of every attribute type, then compares the two tables. With <c>--mode
/// multi-active</c>, three writable regions instead (<see cref="MultiActiveDemo"/>).
/// </summary>
internal static class DemoCommand
{
    private const string SourceRegion = "us-east-1";
    private const string TargetRegion = "us-west-2";

    internal sealed record DemoResult(int Writes, long Replicated, TableComparison Comparison, IReadOnlyList<double> Latencies, TimeSpan Elapsed);

    public static Command Create(IAnsiConsole console, CancellationToken interrupt)
    {
        var endpoint = CommonOptions.Endpoint();
        endpoint.Description = "Use this DynamoDB-compatible endpoint instead of starting moto (e.g. DynamoDB Local, LocalStack).";
        var items = new Option<int>("--items")
        {
            Description = $"How many writes (inserts, updates and deletes) to make to the source (default 1000; multi-active: across the three regions, default {MultiActiveDemo.DefaultWrites}).",
            DefaultValueFactory = _ => 1000,
            CustomParser = result => int.TryParse(result.Tokens.Single().Value, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 1_000_000
                ? n
                : CommonOptions.Error(result, $"--items: '{result.Tokens.Single().Value}' is not a whole number from 1 to 1000000", 0),
        };
        var output = CommonOptions.Output();
        var mode = MultiActiveOptions.Mode();
        mode.Description = "one-way (the default: a source and a read-only target) or multi-active (three writable regions, writers in all three on the same keys, then verify and the conflicts found).";
        var command = new Command("demo", "Replicate a mixed workload between two tables on a local endpoint (moto, started for you) and compare them; with --mode multi-active, between three writable regions. No AWS account needed.")
        {
            endpoint, items, mode, output,
        };
        command.SetAction(async (parsed, _) =>
        {
            var json = parsed.GetValue(output) == OutputFormat.Json;
            LocalMoto? moto = null;
            var url = parsed.GetValue(endpoint);
            if (url is null)
            {
                if (LocalMoto.Locate() is null)
                {
                    throw new UsageException($"replicator demo starts a local moto server, but {LocalMoto.NotInstalled}. Or pass --endpoint with the URL of a running DynamoDB-compatible endpoint.");
                }

                Say(console, json, "Starting moto on a free loopback port...");
                moto = await LocalMoto.StartAsync(interrupt).ConfigureAwait(false);
                url = moto.Endpoint;
            }

            try
            {
                // Local endpoints take any credentials; real ones come from the environment when set.
                var credentials = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID") is null ? new BasicAWSCredentials("demo", "demo") : null;
                if (parsed.GetValue(mode) == ReplicationMode.MultiActive)
                {
                    var writes = parsed.GetResult(items) is { Implicit: false } ? parsed.GetValue(items) : MultiActiveDemo.DefaultWrites;
                    await using var proxy = OneAtATimeProxy.Start(url);
                    using var proxied = new AwsClients(credentials, proxy.Endpoint.ToString());
                    var multiActive = await MultiActiveDemo.RunAsync(console, proxied, url, writes, json, interrupt).ConfigureAwait(false);
                    MultiActiveDemoReport.Write(console, multiActive, json);
                    return multiActive.Succeeded ? ExitCodes.Ok : ExitCodes.Failed;
                }

                using var clients = new AwsClients(credentials, url.ToString());
                var result = await RunAsync(console, clients, url, parsed.GetValue(items), json, interrupt).ConfigureAwait(false);
                Report(console, result, json);
                return result.Comparison.Differences.Count == 0 ? ExitCodes.Ok : ExitCodes.Failed;
            }
            finally
            {
                if (moto is not null)
                {
                    await moto.DisposeAsync().ConfigureAwait(false);
                }
            }
        });
        return command;
    }

    internal static void Say(IAnsiConsole console, bool json, string line)
    {
        if (json)
        {
            Console.Error.WriteLine(line);
        }
        else
        {
            console.MarkupLine(Markup.Escape(line));
        }
    }

    internal static async Task<DemoResult> RunAsync(IAnsiConsole console, AwsClients clients, Uri endpoint, int writes, bool json, CancellationToken interrupt)
    {
        var stamp = DateTimeOffset.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);
        var source = new TargetTable(SourceRegion, $"demo-source-{stamp}");
        var target = new TargetTable(TargetRegion, $"demo-target-{stamp}");
        await CreateTableAsync(clients.DynamoDb(source.Region), source.TableName, stream: true, interrupt).ConfigureAwait(false);
        await CreateTableAsync(clients.DynamoDb(target.Region), target.TableName, stream: false, interrupt).ConfigureAwait(false);
        Say(console, json, $"Endpoint {endpoint}: source {source} (stream NEW_AND_OLD_IMAGES) -> target {target}");

        var checkpoint = Path.Combine(Path.GetTempPath(), $"replicator-demo-{stamp}-{Environment.ProcessId}.json");
        var request = new ReplicationRequest(source, [target], checkpoint);
        var streamArn = await PollerHost.StreamArnAsync(clients, source, interrupt).ConfigureAwait(false);
        var started = DateTimeOffset.UtcNow;
        var log = new List<string>();
        void Log(string line)
        {
            lock (log)
            {
                log.Add(line);
            }
        }

        try
        {
            // Replicate live while the workload is written; then stop gracefully and let a second
            // poller, resuming from the checkpoint, drain what is left and stop once idle.
            using var stopLive = CancellationTokenSource.CreateLinkedTokenSource(interrupt);
            var live = PollerHost.Create(clients, request, streamArn, Log);
            var liveRun = live.RunAsync(stopLive.Token);
            var written = 0;
            var writer = WriteWorkloadAsync(clients.DynamoDb(source.Region), source.TableName, writes, () => Interlocked.Increment(ref written), interrupt);
            await ShowProgressAsync(console, json, writes, () => Volatile.Read(ref written), live.Progress, writer).ConfigureAwait(false);
            await writer.ConfigureAwait(false);
            await stopLive.CancelAsync().ConfigureAwait(false);
            var first = await liveRun.ConfigureAwait(false);
            if (first.Stop == PollerStop.Failed)
            {
                throw new InvalidOperationException($"replication failed: {first.Error}");
            }

            var drain = PollerHost.Create(clients, request with { StopAfterIdle = TimeSpan.FromSeconds(2) }, streamArn, Log);
            var second = await drain.RunAsync(interrupt).ConfigureAwait(false);
            if (second.Stop == PollerStop.Failed)
            {
                throw new InvalidOperationException($"replication failed: {second.Error}");
            }

            var comparison = await TableComparer.CompareAsync(clients.DynamoDb(source.Region), source.TableName, clients.DynamoDb(target.Region), target.TableName, interrupt).ConfigureAwait(false);
            var latencies = live.Progress.LatencySamples().Concat(drain.Progress.LatencySamples()).ToList();
            return new DemoResult(writes, live.Progress.RecordsApplied + drain.Progress.RecordsApplied, comparison, latencies, DateTimeOffset.UtcNow - started);
        }
        finally
        {
            File.Delete(checkpoint);
        }
    }

    private static async Task ShowProgressAsync(IAnsiConsole console, bool json, int writes, Func<int> written, PollerProgress progress, Task writer)
    {
        if (json || !console.Profile.Capabilities.Interactive)
        {
            while (!writer.IsCompleted)
            {
                await Task.WhenAny(writer, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
                Say(console, json, $"written {written()}/{writes}, replicated {progress.RecordsApplied} records, lag {Lag(progress)}");
            }

            return;
        }

        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var writing = context.AddTask("Writing to the source", maxValue: writes);
                var replicating = context.AddTask("Replicated records", maxValue: writes);
                while (!writer.IsCompleted)
                {
                    await Task.WhenAny(writer, Task.Delay(TimeSpan.FromMilliseconds(200))).ConfigureAwait(false);
                    writing.Value = written();
                    replicating.Value = Math.Min(writes, progress.RecordsApplied);
                    replicating.Description = $"Replicated {progress.RecordsApplied} records, lag {Lag(progress)}";
                }

                writing.Value = writes;
                replicating.StopTask();
            }).ConfigureAwait(false);
    }

    private static string Lag(PollerProgress progress) => double.IsNaN(progress.LastLatencyMs) ? "-" : $"{progress.LastLatencyMs:0} ms";

    internal static async Task CreateTableAsync(IAmazonDynamoDB client, string name, bool stream, CancellationToken cancellationToken)
    {
        var request = new CreateTableRequest
        {
            TableName = name,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("email", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("email", KeyType.HASH)],
        };
        if (stream)
        {
            request.StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = Amazon.DynamoDBv2.StreamViewType.NEW_AND_OLD_IMAGES };
        }

        await client.CreateTableAsync(request, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < 300; i++)
        {
            if ((await client.DescribeTableAsync(name, cancellationToken).ConfigureAwait(false)).Table.TableStatus == TableStatus.ACTIVE)
            {
                return;
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"table {name} did not become ACTIVE");
    }

    /// <summary>
    /// Inserts, updates (UpdateItem: SET, ADD, REMOVE) and deletes on a pool of keys, with every
    /// attribute type; four writers at once, each on its own keys: moto changes the table and
    /// appends the stream record in two steps without a lock, so two concurrent writes to one key
    /// could leave its stream in the other order than its table (DynamoDB orders them per key).
    /// </summary>
    private static async Task WriteWorkloadAsync(IAmazonDynamoDB client, string table, int writes, Action wrote, CancellationToken cancellationToken)
    {
        var keys = Math.Max(1, writes / 4);
        var next = -1;
        await Parallel.ForEachAsync(Enumerable.Range(0, 4), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (writerId, _) =>
        {
            var random = new Random(writerId);
            int i;
            while ((i = Interlocked.Increment(ref next)) < writes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var email = new AttributeValue { S = $"user{(random.Next(keys) / 4 * 4) + writerId}@example.com" };
                var roll = random.Next(10);
                if (roll < 5)
                {
                    await client.PutItemAsync(new PutItemRequest { TableName = table, Item = AttributeValues.ToSdk(Item(email.S, i, random)) }, cancellationToken).ConfigureAwait(false);
                }
                else if (roll < 8)
                {
                    await client.UpdateItemAsync(Update(table, email, writerId, i), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await client.DeleteItemAsync(new DeleteItemRequest { TableName = table, Key = new Dictionary<string, AttributeValue> { ["email"] = email } }, cancellationToken).ConfigureAwait(false);
                }

                wrote();
            }
        }).ConfigureAwait(false);
    }

    /// <summary>An UpdateItem of every kind of action: SET (with if_not_exists), ADD to a number set, REMOVE.</summary>
    internal static UpdateItemRequest Update(string table, AttributeValue email, int writerId, int i) => new()
    {
        TableName = table,
        Key = new Dictionary<string, AttributeValue> { ["email"] = email },
        UpdateExpression = "SET visits = if_not_exists(visits, :zero) + :one, lastSeen = :now, tags = :tags ADD scores :score REMOVE nickname",
        ExpressionAttributeValues = new Dictionary<string, AttributeValue>
        {
            [":zero"] = new() { N = "0" },
            [":one"] = new() { N = "1" },
            [":now"] = new() { S = DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture) },
            [":tags"] = new() { SS = ["updated", $"w{writerId}"] },
            [":score"] = new() { NS = [$"{i}"] },
        },
    };

    /// <summary>An item with all ten attribute types, nested maps and lists, and a 38-digit number.</summary>
    internal static Dictionary<string, DynamoValue> Item(string email, int i, Random random) => new()
    {
        ["email"] = DynamoValue.String(email),
        ["name"] = DynamoValue.String($"User {i} — Zoë"),
        ["visits"] = DynamoValue.Number($"{random.Next(1_000_000)}"),
        ["balance"] = DynamoValue.Number("12345678901234567890.123456789012345678"),
        ["avatar"] = DynamoValue.Binary([(byte)i, 0, 255, (byte)random.Next(256)]),
        ["active"] = DynamoValue.Bool(random.Next(2) == 0),
        ["nickname"] = DynamoValue.Null,
        ["address"] = DynamoValue.Map(new Dictionary<string, DynamoValue>
        {
            ["city"] = DynamoValue.String("Lisbon"),
            ["geo"] = DynamoValue.List([DynamoValue.Number("38.7223"), DynamoValue.Number("-9.1393")]),
            ["history"] = DynamoValue.List([DynamoValue.Map(new Dictionary<string, DynamoValue> { ["year"] = DynamoValue.Number($"{2000 + (i % 25)}") })]),
        }),
        ["tags"] = DynamoValue.StringSet(["a", "b", $"t{i % 7}"]),
        ["scores"] = DynamoValue.NumberSet(["1", "2.5", $"{i}"]),
        ["keys"] = DynamoValue.BinarySet([[1], [(byte)(i % 256), 2]]),
    };

    private static double Percentile(IReadOnlyList<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static void Report(IAnsiConsole console, DemoResult result, bool json)
    {
        var sorted = result.Latencies.Order().ToList();
        var (p50, p99, max) = (Percentile(sorted, 0.5), Percentile(sorted, 0.99), sorted.Count > 0 ? sorted[^1] : double.NaN);
        var differences = result.Comparison.Differences;
        if (json)
        {
            console.Profile.Out.Writer.WriteLine(JsonText.Render(writer =>
            {
                writer.WriteStartObject();
                writer.WriteNumber("writes", result.Writes);
                writer.WriteNumber("recordsReplicated", result.Replicated);
                writer.WriteNumber("sourceItems", result.Comparison.SourceItems);
                writer.WriteNumber("targetItems", result.Comparison.TargetItems);
                writer.WriteNumber("matched", result.Comparison.Matched);
                writer.WriteNumber("differences", differences.Count);
                if (sorted.Count > 0)
                {
                    writer.WriteNumber("lagP50Ms", Math.Round(p50, 1));
                    writer.WriteNumber("lagP99Ms", Math.Round(p99, 1));
                    writer.WriteNumber("lagMaxMs", Math.Round(max, 1));
                }

                writer.WriteNumber("seconds", Math.Round(result.Elapsed.TotalSeconds, 1));
                writer.WriteEndObject();
            }));
            return;
        }

        var summary = new Table().AddColumns("", "");
        summary.AddRow("Writes to the source", $"{result.Writes}");
        summary.AddRow("Stream records replicated", $"{result.Replicated}");
        summary.AddRow("Replication lag (change to write)", sorted.Count == 0 ? "-" : $"p50 {p50:0} ms, p99 {p99:0} ms, max {max:0} ms");
        summary.AddRow("Source items", $"{result.Comparison.SourceItems}");
        summary.AddRow("Target items", $"{result.Comparison.TargetItems}");
        summary.AddRow("Matched", $"[green]{result.Comparison.Matched}[/]");
        summary.AddRow("Differences", differences.Count == 0 ? "[green]0[/]" : $"[red]{differences.Count}[/]");
        console.Write(summary);
        foreach (var difference in differences.Take(5))
        {
            console.MarkupLineInterpolated($"[red]{difference.Kind}[/] {difference.Key}: source {(difference.Source is null ? "-" : DynamoJson.ToJson(difference.Source))}, target {(difference.Target is null ? "-" : DynamoJson.ToJson(difference.Target))}");
        }

        console.MarkupLine(differences.Count == 0
            ? $"[green]The tables are identical[/] ({result.Elapsed.TotalSeconds:0.0} s)."
            : $"[red]The tables differ.[/]");
    }
}
