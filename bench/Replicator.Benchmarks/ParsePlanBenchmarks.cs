using System.Numerics;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Replicator.Parsing;
using Replicator.Planning;

namespace Replicator.Benchmarks;

/// <summary>
/// Parse + plan of one stream batch (the engine's CPU work before any write), against the usual
/// hand-written handler: a reflection-based <see cref="JsonSerializer"/> parse into plain
/// classes, then the same coalescing (group by key, keep the record with the highest sequence
/// number). The event is generated once per size, seeded, so every run reads the same bytes.
/// </summary>
[MemoryDiagnoser]
public class ParsePlanBenchmarks
{
    private static readonly JsonSerializerOptions BaselineOptions = new() { PropertyNameCaseInsensitive = true };

    private byte[] _event = [];

    [Params(100, 1_000, 10_000)]
    public int Records { get; set; }

    /// <summary>Realistic items (10–50 attributes, about 3.4 KB a record), or small ones (the key and 8 scalars, about 0.9 KB a record).</summary>
    [Params(false, true)]
    public bool SmallItems { get; set; }

    [GlobalSetup]
    public void Setup() => _event = Event(Records, SmallItems).Json;

    /// <summary>The batch each case reads: records over a quarter as many keys, so a key has about four records.</summary>
    internal static StreamBatches.Batch Event(int records, bool smallItems) =>
        StreamBatches.Generate(records, Math.Max(1, records / StreamBatches.DefaultRecordsPerKey), seed: 6_000 + records,
            smallItems ? StreamBatches.Items.Small : StreamBatches.Items.Realistic);

    [Benchmark(Baseline = true, Description = "JsonSerializer (reflection) + GroupBy")]
    public List<BaselineWrite> ReflectionParseAndGroup()
    {
        var lambdaEvent = JsonSerializer.Deserialize<LambdaEvent>(_event, BaselineOptions)!;
        return lambdaEvent.Records!
            .GroupBy(record => KeyText(record.Dynamodb!.Keys!))
            .Select(group =>
            {
                var last = group.MaxBy(record => BigInteger.Parse(record.Dynamodb!.SequenceNumber!, System.Globalization.CultureInfo.InvariantCulture))!;
                var delete = last.EventName == "REMOVE";
                return new BaselineWrite(group.Key, delete, delete ? last.Dynamodb!.Keys! : last.Dynamodb!.NewImage!, group.Count());
            })
            .ToList();
    }

    [Benchmark(Description = "StreamEventParser.Parse + Planner.Plan")]
    public ReplicationPlan ParseAndPlan() => Planner.Plan(StreamEventParser.Parse(_event), TtlDeletes.Replicate);

    /// <summary>
    /// Not a contender: the JSON reader alone walking every token of the event, building nothing.
    /// Any parser that checks every record it reads costs at least this much.
    /// </summary>
    [Benchmark(Description = "Utf8JsonReader token walk (floor)")]
    public int TokenWalk()
    {
        var reader = new Utf8JsonReader(_event, new JsonReaderOptions { MaxDepth = 128 });
        var tokens = 0;
        while (reader.Read())
        {
            tokens++;
        }

        return tokens;
    }

    private static string KeyText(Dictionary<string, LambdaAttributeValue> keys) =>
        string.Join("|", keys.OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => $"{pair.Key}={pair.Value.S ?? pair.Value.N ?? Convert.ToBase64String(pair.Value.B ?? [])}"));
}
