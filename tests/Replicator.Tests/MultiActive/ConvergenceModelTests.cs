using CsCheck;
using Replicator.Model;

namespace Replicator.Tests.MultiActive;

/// <summary>
/// Model-based test of multi-active convergence: three regions in memory, random application
/// writes everywhere on a few keys (put, update, delete, TTL delete, delete then re-insert, a
/// read-modify-write that copies the metadata, a copy from one region into another, a
/// transaction), region clocks in whole seconds that disagree, records delivered late (each
/// replicator steps when the run says), twice (checkpoints rewound), out of order across keys,
/// application writes landing between any two of a replicator's writes, and replicators killed
/// between any two of their writes and restarted from their checkpoints. After the replicators
/// settle:
/// <list type="bullet">
/// <item>every region holds the same data and version for every key;</item>
/// <item>each key holds what one region's last write to it made, among the writes after the
/// last moment everything had settled (a write that saw another beats it, so nothing older,
/// and nothing deleted, comes back);</item>
/// <item>the records per application write stay under a fixed bound, and every replicator goes
/// idle (no loop).</item>
/// </list>
/// On failure the seed is printed; <c>MULTI_ACTIVE_SEED=… dotnet test tests/Replicator.Tests --
/// --filter-method "*ConvergenceModelTests*"</c> replays it. <c>MULTI_ACTIVE_ITERATIONS</c> runs
/// more than the 300 runs of CI.
/// </summary>
public sealed class ConvergenceModelTests
{
    private const int Regions = 3;

    /// <summary>The seed of the 300 scenarios CI runs.</summary>
    private const int FixedSeed = 2026;

    /// <summary>Per application write at most: its record, its stamp, a write in each other region, and as many again for a put-back or a conflict settled late.</summary>
    private const int RecordsPerWrite = 4 * Regions;

    [Fact]
    public void RandomWritesEverywhere_WithLateTwiceAndReorderedDelivery_AndKilledReplicators_Converge()
    {
        if (Environment.GetEnvironmentVariable("MULTI_ACTIVE_SEED") is { } replay)
        {
            Run(int.Parse(replay, System.Globalization.CultureInfo.InvariantCulture), recordsUnchanged: false);
            Run(int.Parse(replay, System.Globalization.CultureInfo.InvariantCulture), recordsUnchanged: true);
            return;
        }

        // CI runs the same 300 scenarios every time; MULTI_ACTIVE_ITERATIONS explores new ones with CsCheck.
        if (int.TryParse(Environment.GetEnvironmentVariable("MULTI_ACTIVE_ITERATIONS"), out var iterations))
        {
            Gen.Int[0, int.MaxValue].Sample(seed => Run(seed, recordsUnchanged: seed % 2 == 0), iter: iterations, threads: 1);
            return;
        }

        // CsCheck's seed fixes the first run only: CI's 300 seeds come from a seeded Random instead, the same every time.
        var seeds = new Random(FixedSeed);
        for (var i = 0; i < 300; i++)
        {
            var seed = seeds.Next();
            Run(seed, recordsUnchanged: seed % 2 == 0);
        }
    }

    /// <summary>Scenarios the random runs once failed on, each a defect fixed since (see the commits that name them): kept, so none comes back.</summary>
    [Theory]
    [InlineData(144863781)]
    [InlineData(689338931)]
    [InlineData(393016052)]
    [InlineData(1488634326)]
    [InlineData(190545160)]
    [InlineData(118390900)]
    [InlineData(455875336)]
    [InlineData(887129565)]
    [InlineData(1745335777)]
    [InlineData(1496740518)]
    [InlineData(36441527)]
    public void ScenarioTheModelOnceFailedOn_Converges(int seed)
    {
        Run(seed, recordsUnchanged: false);
        Run(seed, recordsUnchanged: true);
    }

    private static void Run(int seed, bool recordsUnchanged) => RunAsync(seed, recordsUnchanged).GetAwaiter().GetResult();

    private static async Task RunAsync(int seed, bool recordsUnchanged)
    {
        var random = new Random(seed);
        var skews = Enumerable.Range(0, Regions).Select(_ => TimeSpan.FromMilliseconds(random.Next(-2500, 2500))).ToArray();
        var sim = new Simulation(Regions, recordsUnchanged, skews);
        var model = new Model(sim, random);
        var steps = random.Next(40, 120);
        try
        {
            for (var step = 0; step < steps; step++)
            {
                sim.Advance(TimeSpan.FromMilliseconds(random.Next(0, 900)));
                var roll = random.Next(100);
                if (roll < 45)
                {
                    model.RandomWrite();
                }
                else if (roll < 88)
                {
                    await model.RandomReplicatorStepAsync();
                }
                else if (roll < 94)
                {
                    var region = random.Next(Regions);
                    var back = random.Next(1, 6);
                    model.Log($"rewind {region} by {back}");
                    sim.Rewind(region, back);
                }
                else
                {
                    model.Log("settle");
                    Assert.True(await sim.SettleAsync(), "the replicators did not settle");
                    model.Settled();
                }
            }

            Assert.True(await sim.SettleAsync(), "the replicators did not settle: a loop");
            model.Check();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException(
                $"seed {seed} (records unchanged writes: {recordsUnchanged}) failed: {e.Message}\n" +
                $"replay: MULTI_ACTIVE_SEED={seed} dotnet test tests/Replicator.Tests -- --filter-method \"*ConvergenceModelTests*\"\n" +
                $"last steps:\n{model.History}");
        }
    }

    /// <summary>What the application did, and what each of its writes left in its region, for the check.</summary>
    private sealed class Model(Simulation sim, Random random)
    {
        private static readonly string[] Keys = ["k0", "k1", "k2"];

        private readonly List<string> _log = [];
        private readonly List<Write> _writes = [];
        private int _segment;
        private int _counter;
        private int _interleaved;

        public string History => string.Join("\n", Environment.GetEnvironmentVariable("MULTI_ACTIVE_SEED") is null ? _log.TakeLast(80) : _log);

        public void Log(string line) => _log.Add(line);

        public void Settled() => _segment++;

        public void RandomWrite()
        {
            var region = random.Next(Regions);
            var key = Keys[random.Next(Keys.Length)];
            var value = $"w{Simulation.Stamp(++_counter)}";
            switch (random.Next(100))
            {
                case < 25:
                    sim.Put(region, key, value);
                    Done(region, key, $"put {value}");
                    break;
                case < 50:
                    sim.Update(region, key, value);
                    Done(region, key, $"update {value}");
                    break;
                // A delete of a missing item changes nothing and leaves no record (on AWS as on moto): it is no write to replicate.
                case < 65 when sim.Item(region, key) is not null:
                    sim.Delete(region, key);
                    Done(region, key, "delete");
                    break;
                case < 70 when sim.Item(region, key) is not null:
                    sim.ExpireByTtl(region, key);
                    Done(region, key, "ttl delete");
                    break;
                case < 70:
                    break;
                case < 80:
                    sim.ReadModifyWrite(region, key, value);
                    Done(region, key, $"read-modify-write {value}");
                    break;
                case < 90:
                    var from = (region + 1 + random.Next(Regions - 1)) % Regions;
                    if (sim.Item(from, key) is not null)
                    {
                        sim.Copy(from, region, key);
                        Done(region, key, $"copy from {from}");
                    }

                    break;
                default:
                    var other = Keys[(Array.IndexOf(Keys, key) + 1) % Keys.Length];
                    sim.PutTogether(region, [(key, value), (other, value + "t")]);
                    Done(region, key, $"transaction {value}");
                    Done(region, other, $"transaction {value}t");
                    break;
            }
        }

        public async Task RandomReplicatorStepAsync()
        {
            var region = random.Next(Regions);
            var process = sim.Process(region);
            var crash = random.Next(100) < 20 ? random.Next(0, 8) : (int?)null;
            process.CrashAfter = crash;
            process.Interleave = random.Next(100) < 35
                ? () =>
                {
                    if (_interleaved < 400 && random.Next(100) < 30)
                    {
                        _interleaved++;
                        _log.Add("  (between two of the replicator's writes)");
                        RandomWrite();
                    }
                }
            : null;
            var max = random.Next(1, 12);
            var shuffle = random.Next(2) == 0 ? new Random(random.Next()) : null;
            _log.Add($"step {region} (up to {max} records{(shuffle is null ? "" : ", shuffled")}{(crash is { } c ? $", killed after {c} writes" : "")})");
            await sim.StepAsync(region, max, shuffle);
            process.Interleave = null;
            process.CrashAfter = null;
        }

        private void Done(int region, string key, string what)
        {
            var data = sim.Data(region, key);
            _writes.Add(new Write(_segment, region, key, data));
            _log.Add($"{sim.Region(region).Region} {key}: {what} -> {Simulation.Text(data)} (record {sim.Region(region).Stream(Simulation.Table).Count})");
        }

        public void Check()
        {
            if (sim.Divergence() is { } divergence)
            {
                Assert.Fail($"{divergence}\n{string.Join("\n", Keys.Select(sim.Trace))}");
            }

            foreach (var key in Keys)
            {
                var final = sim.Data(0, key);
                var writes = _writes.Where(write => write.Key == key).ToList();
                if (writes.Count == 0)
                {
                    Assert.Null(final);
                    continue;
                }

                var segment = writes.Max(write => write.Segment);
                var allowed = writes.Where(write => write.Segment == segment)
                    .GroupBy(write => write.Region)
                    .Select(group => group.Last().Data)
                    .ToList();
                Assert.True(
                    allowed.Any(data => Same(data, final)),
                    $"{key} holds {Simulation.Text(final)}, which is none of the last writes of each region since the last settle: {string.Join(" | ", allowed.Select(Simulation.Text))}\n{sim.Trace(Environment.GetEnvironmentVariable("MULTI_ACTIVE_SEED") is null ? key : "*")}");
            }

            Assert.True(sim.Records <= RecordsPerWrite * Math.Max(1, sim.ApplicationWrites), $"{sim.Records} records for {sim.ApplicationWrites} application writes");
        }

        private static bool Same(IReadOnlyDictionary<string, DynamoValue>? a, IReadOnlyDictionary<string, DynamoValue>? b) =>
            a is null ? b is null : b is not null && DynamoValue.MapsEqual(a, b);

        private sealed record Write(int Segment, int Region, string Key, IReadOnlyDictionary<string, DynamoValue>? Data);
    }
}
