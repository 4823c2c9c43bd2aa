using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.Aws.MultiActive;
using Replicator.MultiActive;
using Replicator.Streams;
using Replicator.Verification;
using Spectre.Console;

namespace Replicator.Cli;

/// <summary>
/// <c>replicator demo --mode multi-active</c>: one table in three regions of a local endpoint,
/// set up as <c>replicator setup</c> does, a multi-active replicator per region (in-process
/// pollers, as <c>replicate --mode multi-active</c> runs them), writers in all three regions on
/// the same few keys at once, then <c>verify --mode multi-active</c> across the three and the
/// conflicts each region recorded.
/// </summary>
internal static class MultiActiveDemo
{
    internal static readonly string[] Regions = ["us-east-1", "eu-west-1", "ap-southeast-2"];

    /// <summary>Application writes across the three regions when --items is not given: seconds on moto.</summary>
    internal const int DefaultWrites = 180;

    /// <summary>Few keys, so that regions write the same key at once and conflicts are common.</summary>
    private const int Keys = 6;

    private const int WritersPerRegion = 2;

    /// <summary>Idle this long, every replicator at once, counts as done (the one-way demo's drain waits as long).</summary>
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(2);

    internal sealed record RegionResult(TargetTable Table, long RecordsRead, long RecordsFailed, MultiActiveCounts Counts);

    internal sealed record Result(int Writes, IReadOnlyList<RegionResult> Regions, VerifyOutcome Verify, IReadOnlyList<StoredConflict> Conflicts, TimeSpan Elapsed)
    {
        /// <summary>Identical, and the conflicts the opening round makes certain were found.</summary>
        public bool Succeeded => Verify.Identical && Conflicts.Count > 0;
    }

    /// <summary>What verify said: its exit code, and its JSON document when the demo's output is JSON.</summary>
    internal sealed record VerifyOutcome(int ExitCode, string? Json)
    {
        public bool Identical => ExitCode == ExitCodes.Ok;
    }

    public static async Task<Result> RunAsync(IAnsiConsole console, AwsClients clients, Uri endpoint, int writes, bool json, CancellationToken interrupt)
    {
        var stamp = DateTimeOffset.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);
        var tables = Regions.Select(region => new TargetTable(region, $"demo-multi-{stamp}")).ToList();
        var started = DateTimeOffset.UtcNow;
        await Task.WhenAll(tables.Select(table => DemoCommand.CreateTableAsync(clients.DynamoDb(table.Region), table.TableName, stream: true, interrupt))).ConfigureAwait(false);
        foreach (var table in tables)
        {
            // What `replicator setup --mode multi-active` does: each region's tombstone and conflict tables.
            await SideTables.EnsureAsync(clients.DynamoDb(table.Region), table.RequestName, interrupt).ConfigureAwait(false);
        }

        DemoCommand.Say(console, json, $"Endpoint {endpoint}: {string.Join(", ", tables)} (streams NEW_AND_OLD_IMAGES), side tables set up; one multi-active replicator per region. Requests go to the endpoint one at a time: moto is not safe under concurrent requests (docs/multi-active.md).");

        var settings = new MultiActiveSettings();
        var requests = new List<(ReplicationRequest Request, string StreamArn)>();
        foreach (var table in tables)
        {
            var checkpoint = Path.Combine(Path.GetTempPath(), $"replicator-demo-{stamp}-{Environment.ProcessId}-{table.Region}.json");
            var request = new ReplicationRequest(table, [.. tables.Where(other => other != table)], checkpoint, MultiActive: settings);
            requests.Add((request, await PollerHost.StreamArnAsync(clients, table, interrupt, bothImages: true).ConfigureAwait(false)));
        }

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
            // Every region writes every key before any replicator runs: none of these writes saw
            // another, so two of each key's three lose, and are conflicts for certain.
            var written = 0;
            await Task.WhenAll(tables.Select((table, region) => OpeningRoundAsync(clients.DynamoDb(table.Region), table.TableName, region, () => Interlocked.Increment(ref written), interrupt))).ConfigureAwait(false);

            using var stopLive = CancellationTokenSource.CreateLinkedTokenSource(interrupt);
            var live = requests.Select(pair => PollerHost.Create(clients, pair.Request, pair.StreamArn, Log)).ToList();
            var liveRuns = live.Select(poller => poller.RunAsync(stopLive.Token)).ToList();
            var total = written + writes;
            var writer = Task.WhenAll(tables.Select((table, region) => WriteAsync(
                clients.DynamoDb(table.Region), table.TableName, region, Share(writes, region), () => Interlocked.Increment(ref written), interrupt)));
            await ShowProgressAsync(console, json, total, () => Volatile.Read(ref written), tables, live, writer).ConfigureAwait(false);
            await writer.ConfigureAwait(false);
            await stopLive.CancelAsync().ConfigureAwait(false);
            Check(await Task.WhenAll(liveRuns).ConfigureAwait(false));

            // Then each replicator resumes from its checkpoint and runs until it is caught up and
            // idle. Their writes into each other's tables are their own records there, never
            // forwarded, so all three go idle.
            var drain = requests.Select(pair => PollerHost.Create(clients, pair.Request with { StopAfterIdle = Idle }, pair.StreamArn, Log)).ToList();
            Check(await Task.WhenAll(drain.Select(poller => poller.RunAsync(interrupt))).ConfigureAwait(false));
            var regions = tables.Select((table, i) => Tally(table, live[i].Progress, drain[i].Progress)).ToList();

            var verify = await VerifyAsync(console, clients, tables, settings.MetadataAttribute, json, interrupt).ConfigureAwait(false);
            var conflicts = new List<StoredConflict>();
            foreach (var table in tables)
            {
                conflicts.AddRange(await ConflictsCommand.ListAsync(clients, table, null, interrupt).ConfigureAwait(false));
            }

            return new Result(total, regions, verify, [.. conflicts.OrderByDescending(conflict => conflict.DetectedAt).ThenBy(conflict => conflict.Id, StringComparer.Ordinal)], DateTimeOffset.UtcNow - started);
        }
        finally
        {
            foreach (var (request, _) in requests)
            {
                File.Delete(request.CheckpointPath);
            }
        }
    }

    /// <summary>Region <paramref name="region"/>'s part of <paramref name="writes"/>: as even as it divides.</summary>
    private static int Share(int writes, int region) => (writes / Regions.Length) + (region < writes % Regions.Length ? 1 : 0);

    private static void Check(PollerOutcome[] outcomes)
    {
        if (outcomes.FirstOrDefault(outcome => outcome.Stop == PollerStop.Failed) is { } failed)
        {
            throw new InvalidOperationException($"replication failed: {failed.Error}");
        }
    }

    private static RegionResult Tally(TargetTable table, PollerProgress live, PollerProgress drain) => new(
        table,
        live.RecordsIn + drain.RecordsIn,
        live.RecordsFailed + drain.RecordsFailed,
        (live.MultiActive ?? MultiActiveCounts.None) + (drain.MultiActive ?? MultiActiveCounts.None));

    /// <summary>`verify --mode multi-active` across the three; with JSON output, its document is kept for the demo's own.</summary>
    private static async Task<VerifyOutcome> VerifyAsync(IAnsiConsole console, AwsClients clients, IReadOnlyList<TargetTable> tables, string metadataAttribute, bool json, CancellationToken interrupt)
    {
        if (!json)
        {
            var code = await VerifyCommand.RunAsync(console, clients, tables[0], [.. tables.Skip(1)], new VerifySettings(), json: false, interrupt, metadataAttribute).ConfigureAwait(false);
            return new VerifyOutcome(code, null);
        }

        using var captured = new StringWriter();
        var quiet = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(captured), Interactive = InteractionSupport.No });
        var exit = await VerifyCommand.RunAsync(quiet, clients, tables[0], [.. tables.Skip(1)], new VerifySettings(), json: true, interrupt, metadataAttribute).ConfigureAwait(false);
        return new VerifyOutcome(exit, captured.ToString().Trim());
    }

    private static AttributeValue KeyOf(int key) => new() { S = $"user{key}@example.com" };

    private static async Task OpeningRoundAsync(IAmazonDynamoDB client, string table, int region, Action wrote, CancellationToken cancellationToken)
    {
        var random = new Random(100 + region);
        for (var key = 0; key < Keys; key++)
        {
            var item = DemoCommand.Item(KeyOf(key).S, key, random);
            item["region"] = Model.DynamoValue.String(Regions[region]);
            await client.PutItemAsync(new PutItemRequest { TableName = table, Item = AttributeValues.ToSdk(item) }, cancellationToken).ConfigureAwait(false);
            wrote();
        }
    }

    /// <summary>Puts, updates and deletes on the shared keys, <see cref="WritersPerRegion"/> writers at once in each region.</summary>
    private static async Task WriteAsync(IAmazonDynamoDB client, string table, int region, int writes, Action wrote, CancellationToken cancellationToken)
    {
        var next = -1;
        await Parallel.ForEachAsync(Enumerable.Range(0, WritersPerRegion), new ParallelOptions { MaxDegreeOfParallelism = WritersPerRegion }, async (writer, _) =>
        {
            var writerId = (region * WritersPerRegion) + writer;
            var random = new Random(writerId);
            int i;
            while ((i = Interlocked.Increment(ref next)) < writes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var email = KeyOf(random.Next(Keys));
                var roll = random.Next(10);
                if (roll < 4)
                {
                    var item = DemoCommand.Item(email.S, i, random);
                    item["region"] = Model.DynamoValue.String(Regions[region]);
                    await client.PutItemAsync(new PutItemRequest { TableName = table, Item = AttributeValues.ToSdk(item) }, cancellationToken).ConfigureAwait(false);
                }
                else if (roll < 8)
                {
                    await client.UpdateItemAsync(DemoCommand.Update(table, email, writerId, i), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await client.DeleteItemAsync(new DeleteItemRequest { TableName = table, Key = new Dictionary<string, AttributeValue> { ["email"] = email } }, cancellationToken).ConfigureAwait(false);
                }

                wrote();
            }
        }).ConfigureAwait(false);
    }

    private static async Task ShowProgressAsync(IAnsiConsole console, bool json, int total, Func<int> written, IReadOnlyList<TargetTable> tables, IReadOnlyList<StreamPoller> pollers, Task writer)
    {
        string Read() => string.Join(", ", tables.Select((table, i) => $"{table.Region} {pollers[i].Progress.RecordsIn}"));
        if (json || !console.Profile.Capabilities.Interactive)
        {
            while (!writer.IsCompleted)
            {
                await Task.WhenAny(writer, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
                DemoCommand.Say(console, json, $"written {written()}/{total} in three regions; records read: {Read()}");
            }

            return;
        }

        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var writing = context.AddTask("Writing in three regions", maxValue: total);
                while (!writer.IsCompleted)
                {
                    await Task.WhenAny(writer, Task.Delay(TimeSpan.FromMilliseconds(200))).ConfigureAwait(false);
                    writing.Value = written();
                    writing.Description = Markup.Escape($"Writing; records read: {Read()}");
                }

                writing.Value = total;
            }).ConfigureAwait(false);
    }
}
