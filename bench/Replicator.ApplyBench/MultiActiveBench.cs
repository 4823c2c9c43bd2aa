using System.Diagnostics;
using Replicator.Model;
using Replicator.MultiActive;
using Replicator.Parsing;
using Replicator.Tests.MultiActive;

namespace Replicator.ApplyBench;

/// <summary>What the application did in the batch: each key new (insert), put over (put of an existing item), or deleted.</summary>
internal enum MultiActiveScenario : byte { Insert, PutExisting, Delete }

/// <summary>
/// Three regions of one multi-active table (the local one and two peers), each an in-memory
/// region behind a round trip (<see cref="DelayedRegion"/>), each with its replicator
/// (<see cref="ReplicationEngine"/>'s multi-active mode, default settings). A round applies one
/// batch of application writes on distinct keys in the local region, as its stream records them
/// (both images, whole-second creation times), and times the local replicator's
/// <c>ProcessAsync</c>; then every region's replicator reads what its stream holds since (the
/// replicator's own writes coming back, and the forwarded copies), untimed, until no stream has
/// anything left: what those cost is counted apart ("echoes").
/// </summary>
internal sealed class MultiActiveBench
{
    public const string Table = "orders";
    private const string Key = "id";
    private static readonly string[] Regions = ["us-east-1", "us-west-2", "eu-west-1"];

    private readonly InMemoryRegion[] _memory;
    private readonly DelayedRegion[] _delayed;
    private readonly ReplicationEngine[] _engines;
    private readonly int[] _checkpoints;

    public MultiActiveBench(TimeSpan roundTrip, MultiActiveSettings settings, ReplicationSettings replication)
    {
        _memory = [.. Regions.Select(name =>
        {
            var region = new InMemoryRegion(name, () => DateTimeOffset.UtcNow);
            region.CreateTable(Table, Key, stream: true);
            region.CreateTable(Replica.TombstonesOf(Table), Tombstone.KeyAttribute);
            region.CreateTable(Replica.ConflictsOf(Table), ConflictItems.IdAttribute);
            return region;
        })];
        _delayed = [.. _memory.Select(region => new DelayedRegion(region, roundTrip))];
        _engines = [.. _delayed.Select((region, i) =>
        {
            var peers = _delayed.Where(other => other != region).Select(other => new Replica(other.Region, Table, other)).ToList();
            var applier = new MultiActiveApplier(new Replica(region.Region, Table, region), peers, settings, replication, TimeProvider.System, new Random(i));
            return new ReplicationEngine(applier, null, replication, TimeProvider.System);
        })];
        _checkpoints = new int[Regions.Length];
        Settings = settings;
    }

    public MultiActiveSettings Settings { get; }

    public static IReadOnlyList<string> KeysOf(int round, int size) => [.. Enumerable.Range(0, size).Select(i => $"r{round:D4}-{i:D6}")];

    /// <summary>One batch: the application's writes in the local region, timed through its replicator, then the echoes settled.</summary>
    public async Task<MultiActiveRun> RunAsync(MultiActiveScenario scenario, IReadOnlyList<string> keys)
    {
        var local = _memory[0];
        foreach (var key in keys)
        {
            local.Apply(scenario switch
            {
                MultiActiveScenario.Insert => new TableWrite.Put(Table, KeyOf(key), Item(key, "first"), null),
                MultiActiveScenario.PutExisting => new TableWrite.Put(Table, KeyOf(key), Item(key, "second"), null),
                _ => new TableWrite.Delete(Table, KeyOf(key), null),
            });
        }

        var records = Pending(0);
        if (records.Count != keys.Count)
        {
            throw new InvalidOperationException($"the local stream holds {records.Count} records for {keys.Count} application writes: a key was not new, or not there");
        }

        Reset();
        var started = Stopwatch.GetTimestamp();
        var report = await _engines[0].ProcessAsync(new ParsedBatch(records, []), DateTimeOffset.UtcNow.AddMinutes(5), CancellationToken.None);
        var time = Stopwatch.GetElapsedTime(started);
        if (!report.Succeeded || report.Keys != keys.Count)
        {
            throw new InvalidOperationException($"the multi-active replicator did not apply the batch: {report.Keys} keys, errors: {string.Join("; ", report.Errors)}");
        }

        var calls = Calls();
        Reset();
        var echoRounds = await SettleAsync();
        var echoes = Calls();
        Check(scenario, keys);
        return new MultiActiveRun(time, calls, echoes, echoRounds, report.MultiActive ?? MultiActiveCounts.None);
    }

    private static ItemKey KeyOf(string key) => new(new Dictionary<string, DynamoValue> { [Key] = DynamoValue.String(key) });

    private static Dictionary<string, DynamoValue> Item(string key, string value) => new()
    {
        [Key] = DynamoValue.String(key),
        ["status"] = DynamoValue.String(value),
        ["customer"] = DynamoValue.String("customer-" + key),
        ["total"] = DynamoValue.Number("42.50"),
        ["lines"] = DynamoValue.Number("3"),
    };

    private List<ChangeRecord> Pending(int region)
    {
        var stream = _memory[region].Stream(Table);
        var records = stream.Skip(_checkpoints[region]).ToList();
        _checkpoints[region] = stream.Count;
        return records;
    }

    /// <summary>Every region's replicator reads its stream until none has records left; returns how many passes that took.</summary>
    private async Task<int> SettleAsync()
    {
        for (var pass = 1; pass <= 10; pass++)
        {
            var batches = Enumerable.Range(0, Regions.Length).Select(Pending).ToList();
            if (batches.All(batch => batch.Count == 0))
            {
                return pass - 1;
            }

            var reports = await Task.WhenAll(batches.Select((batch, i) => batch.Count == 0 ? Task.FromResult<BatchReport?>(null) : Process(i, batch)));
            if (reports.FirstOrDefault(report => report is { Succeeded: false }) is { } failed)
            {
                throw new InvalidOperationException($"a replicator failed on its echoes: {string.Join("; ", failed.Errors)}");
            }
        }

        throw new InvalidOperationException("the regions' streams did not run dry in 10 passes: the replicators keep writing");

        async Task<BatchReport?> Process(int region, List<ChangeRecord> batch) =>
            await _engines[region].ProcessAsync(new ParsedBatch(batch, []), DateTimeOffset.UtcNow.AddMinutes(5), CancellationToken.None);
    }

    /// <summary>Every peer holds every key's data as the application left it (or no item after a delete).</summary>
    private void Check(MultiActiveScenario scenario, IReadOnlyList<string> keys)
    {
        foreach (var region in _memory)
        {
            foreach (var key in keys)
            {
                var item = region.Get(Table, KeyOf(key));
                var expected = scenario switch { MultiActiveScenario.Insert => "first", MultiActiveScenario.PutExisting => "second", _ => null };
                var found = item?.GetValueOrDefault("status")?.AsString();
                if (found != expected)
                {
                    throw new InvalidOperationException($"{region.Region}: {key} holds status '{found ?? "(no item)"}' after the {scenario} batch, not '{expected ?? "(no item)"}'");
                }
            }
        }
    }

    private void Reset()
    {
        foreach (var region in _delayed)
        {
            region.Reset();
        }
    }

    /// <summary>The calls every region's tables answered, as "local …" and "peer …" (the two peers summed).</summary>
    private Dictionary<string, long> Calls()
    {
        var calls = new Dictionary<string, long>();
        for (var i = 0; i < _delayed.Length; i++)
        {
            foreach (var (what, count) in _delayed[i].Calls)
            {
                var name = $"{(i == 0 ? "local" : "peer")} {what}";
                calls[name] = calls.GetValueOrDefault(name) + count;
            }
        }

        return calls;
    }
}

/// <summary>One timed multi-active batch: how long, the calls it made (by region and kind), and the calls its echoes made once every region's replicator had read them.</summary>
internal sealed record MultiActiveRun(TimeSpan Time, IReadOnlyDictionary<string, long> Calls, IReadOnlyDictionary<string, long> EchoCalls, int EchoPasses, MultiActiveCounts Counts);
