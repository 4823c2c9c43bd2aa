using System.Text.Json;
using Replicator.Aws;
using Replicator.IntegrationTests.Cli;
using Replicator.IntegrationTests.Support;

namespace Replicator.IntegrationTests.MultiActive;

/// <summary>
/// Multi-active end to end, as users run it: one table in three regions of one moto, `setup`
/// once, one `replicate --mode multi-active` process per region reading its stream through a
/// proxy that gives whole-second timestamps as AWS does, applications writing the same keys in
/// every region, processes killed with SIGKILL at random and restarted from their checkpoints.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class EndToEndTests(MotoServer moto) : IDisposable
{
    private static readonly string[] Regions = ["us-east-1", "eu-west-1", "ap-southeast-2"];
    private const int Seed = 11;
    private const int Keys = 20;
    private const int WritesPerRegion = 80;
    private const int MinKills = 6;
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan IdleFor = TimeSpan.FromSeconds(3);

    /// <summary>A replicator that does not go idle in this long after the writes stopped is looping.</summary>
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(90);

    /// <summary>Rounds of all three run to idle until one in which none of them reads a record: more means records keep coming (a loop).</summary>
    private const int MaxRounds = 5;

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(1);

    private readonly string _table = MotoServer.UniqueName("users");
    private readonly string _checkpoints = Directory.CreateTempSubdirectory("e2e-").FullName;
    private readonly List<EndToEndReplicator> _replicators = [];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _replicators.ForEach(replicator => replicator.Dispose());
        Directory.Delete(_checkpoints, recursive: true);
    }

    private string Table(string region) => $"{region}:{_table}";

    private string[] SetOf(string source) =>
        ["--mode", "multi-active", "--source", Table(source), .. Regions.Where(region => region != source).SelectMany(region => new[] { "--target", Table(region) })];

    [Fact]
    public async Task ThreeRegions_WritersEverywhere_ReplicatorsKilledAtRandom_ConvergeGoIdleAndListEveryConflict()
    {
        foreach (var region in Regions)
        {
            await moto.CreateTableAsync(region, stream: true, name: _table);
        }

        var (setup, setupOutput) = await ReplicatorProcess.RunAsync(moto, CommandTimeout, ["setup", .. SetOf(Regions[0])]);
        Assert.True(setup == 0, $"setup exited {setup}:\n{setupOutput}");

        // Every request of the replicators and the applications through one proxy: whole seconds in
        // GetRecords as on AWS, and one request at a time, for moto's writes are not atomic otherwise.
        await using var proxy = new FaultProxy(moto.Endpoint) { Answer = StreamTimestamps.WholeSeconds, OneAtATime = true };
        using var applications = new AwsClients(MotoServer.Credentials, proxy.Endpoint);
        var environment = new Dictionary<string, string> { ["AWS_ENDPOINT_URL"] = proxy.Endpoint, ["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"] = proxy.Endpoint };
        foreach (var region in Regions)
        {
            _replicators.Add(new EndToEndReplicator(moto, environment, region, ["replicate", .. SetOf(region), "--checkpoint", Path.Combine(_checkpoints, $"{region}.json"), "--output", "json"]));
        }

        var random = new Random(Seed);
        _replicators.ForEach(replicator => replicator.Start());
        var writers = Regions.Select((region, i) => new EndToEndWriter(applications.DynamoDb(region), _table, region, Keys, new Random(Seed + i + 1))).ToList();
        var writing = Task.WhenAll(writers.Select(writer => writer.RunAsync(WritesPerRegion, Pace, Token)));
        var kills = 0;
        while (!writing.IsCompleted || kills < MinKills)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(500, 2500)), Token);
            var victim = _replicators[random.Next(_replicators.Count)];
            victim.Kill();
            victim.Start();
            kills++;
        }

        await writing;
        _replicators.ForEach(replicator => replicator.Kill());
        var context = $"seed {Seed}, {kills} kills, writes {string.Join(", ", writers.Select((writer, i) => $"{Regions[i]}: {writer.Puts} puts, {writer.Updates} updates, {writer.Deletes} deletes"))}";

        var rounds = await EveryReplicatorGoesIdleAsync(context);
        await VerifySaysIdenticalAsync(context);
        var (listed, unreported) = await ConflictsAreListedAsReportedAsync(context);
        TestContext.Current.TestOutputHelper?.WriteLine($"{context}; idle after {rounds} round(s); {listed} conflicts listed, {unreported} of them unreported by a killed life");
        Assert.Contains(proxy.Log, call => call.Operation == "GetRecords");
    }

    /// <summary>
    /// Runs the three to idle, together, round after round, until a round in which none read a
    /// record: each exits 0 having caught up, and nothing any of them wrote is left for another.
    /// </summary>
    private async Task<int> EveryReplicatorGoesIdleAsync(string context)
    {
        for (var round = 1; ; round++)
        {
            var runs = await Task.WhenAll(_replicators.Select(replicator => replicator.RunToIdleAsync(IdleFor, IdleTimeout)));
            foreach (var (run, region) in runs.Zip(Regions))
            {
                Assert.True(run.ExitCode == 0 && run.Summary.GetProperty("stop").GetString() == "idle", $"{region}'s replicator, round {round}, exited {run.ExitCode} ({context}):\n{run.Process.Output}");
                Assert.True(run.Summary.GetProperty("recordsFailed").GetInt64() == 0, $"{region}, round {round}: records failed ({context}):\n{run.Process.Output}");
            }

            if (runs.All(run => run.Summary.GetProperty("recordsRead").GetInt64() == 0))
            {
                return round;
            }

            Assert.True(round < MaxRounds, $"after {round} rounds the replicators still read new records: {string.Join("; ", runs.Zip(Regions).Select(pair => $"{pair.Second} read {pair.First.Summary.GetProperty("recordsRead")}"))} ({context}). Last round:\n{string.Join("\n", runs.Select(run => run.Process.Output))}");
        }
    }

    private async Task VerifySaysIdenticalAsync(string context)
    {
        var (code, output) = await ReplicatorProcess.RunAsync(moto, CommandTimeout, ["verify", .. SetOf(Regions[0]), "--output", "json"]);
        var report = JsonDocument.Parse(output.Split('\n').Last(line => line.StartsWith('{'))).RootElement;
        if (code != 0)
        {
            var keys = report.GetProperty("targets").EnumerateArray().SelectMany(target => target.GetProperty("samples").EnumerateArray())
                .Select(sample => sample.GetProperty("key").GetProperty("pk").GetProperty("S").GetString()!).ToHashSet();
            Assert.Fail($"verify exited {code} ({context}):\n{output}\nThe streams' records of those keys:\n{await EndToEndHistory.OfAsync(moto, _table, Regions, keys, Token)}");
        }

        Assert.True(report.GetProperty("identical").GetBoolean(), output);
        Assert.True(report.GetProperty("sourceItems").GetInt64() > 0, $"every item was deleted: the test proves little ({context})");
        foreach (var target in report.GetProperty("targets").EnumerateArray())
        {
            // Idle means settled: a difference that a second read explains was still in flight.
            Assert.True(target.GetProperty("settledOnReread").GetInt64() == 0, $"{target.GetProperty("target")} settled only on a second read ({context}):\n{output}");
        }

        var items = await moto.ScanAsync(Regions[0], _table);
        Assert.All(items, item => Assert.True(item.ContainsKey(ReplicationOptions.DefaultMetadataAttribute), $"{item["pk"].S} has no version ({context})"));
    }

    /// <summary>
    /// Every conflict a replicator reported (a log line) is listed by `replicator conflicts` in
    /// its region; every conflict listed was reported, unless the life that found it was killed
    /// before it could say so; and a life that ended by itself reported as many as its summary counts.
    /// </summary>
    /// <returns>How many are listed, and how many of them a killed life found without reporting.</returns>
    private async Task<(int Listed, int Unreported)> ConflictsAreListedAsReportedAsync(string context)
    {
        var listed = new List<(string Id, string Region, DateTimeOffset DetectedAt)>();
        foreach (var region in Regions)
        {
            var (code, output) = await ReplicatorProcess.RunAsync(moto, CommandTimeout, "conflicts", "--table", Table(region), "--output", "json");
            Assert.True(code == 0, $"conflicts --table {Table(region)} exited {code}:\n{output}");
            var list = JsonDocument.Parse(output.Split('\n').Last(line => line.StartsWith('{'))).RootElement;
            var conflicts = list.GetProperty("conflicts").EnumerateArray().ToList();
            Assert.Equal(list.GetProperty("count").GetInt32(), conflicts.Count);
            Assert.All(conflicts, conflict => Assert.Equal(region, conflict.GetProperty("detectedIn").GetString()));
            listed.AddRange(conflicts.Select(conflict => (conflict.GetProperty("id").GetString()!, region, conflict.GetProperty("detectedAt").GetDateTimeOffset())));
        }

        Assert.True(listed.Count > 0, $"no conflict in any region: writers on {Keys} keys in three regions should collide ({context})");
        Assert.Equal(listed.Count, listed.Select(conflict => conflict.Id).Distinct().Count());

        var reported = _replicators.SelectMany(replicator => replicator.Runs.SelectMany(run => run.ConflictIds.Select(id => (Id: id, replicator.Region)))).ToList();
        Assert.Equal(reported.Count, reported.Select(conflict => conflict.Id).Distinct().Count());
        var unlisted = reported.ExceptBy(listed.Select(conflict => conflict.Id), conflict => conflict.Id).ToList();
        Assert.True(unlisted.Count == 0, $"reported but not listed: {string.Join(", ", unlisted)} ({context})");
        Assert.All(reported, conflict => Assert.Equal(listed.Single(found => found.Id == conflict.Id).Region, conflict.Region));

        foreach (var replicator in _replicators)
        {
            foreach (var run in replicator.Runs.Where(run => run.KilledAt is null))
            {
                Assert.Equal(run.Summary.GetProperty("multiActive").GetProperty("conflicts").GetInt32(), run.ConflictIds.Count);
            }
        }

        // SIGKILL between recording a conflict and printing its line loses the line, never the record.
        var unreported = listed.ExceptBy(reported.Select(conflict => conflict.Id), conflict => conflict.Id).ToList();
        Assert.All(unreported, conflict => Assert.True(
            _replicators.Single(replicator => replicator.Region == conflict.Region).Runs.Any(run => run.KilledAt is { } killed && run.Started - Slack <= conflict.DetectedAt && conflict.DetectedAt <= killed + Slack),
            $"conflict {conflict.Id} in {conflict.Region} at {conflict.DetectedAt:O} was listed but never reported, and no life of that replicator was killed then ({context})"));
        return (listed.Count, unreported.Count);
    }

    /// <summary>Clock readings of two processes on one machine, rounded differently.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(1);
}
