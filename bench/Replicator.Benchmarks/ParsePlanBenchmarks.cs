using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Replicator.Model;
using Replicator.Parsing;
using Replicator.Planning;

namespace Replicator.Benchmarks;

/// <summary>
/// Parse + plan of one stream batch (the engine's CPU work before any write), against the old
/// path (the same, with every record's new image read into values, as the parser did up front
/// before images stayed bytes), and against the floors of this machine: copying the event's
/// bytes, the JSON reader's token walk over them, and SHA-256 of as many bytes as the batch's
/// request bodies hold (SigV4 hashes every body). The event is generated once per size, seeded,
/// so every run reads the same bytes.
/// </summary>
[MemoryDiagnoser]
public class ParsePlanBenchmarks
{
    private byte[] _event = [];
    private byte[] _copy = [];
    private byte[] _bodies = [];
    private readonly byte[] _hash = new byte[SHA256.HashSizeInBytes];

    [Params(100, 1_000, 10_000)]
    public int Records { get; set; }

    /// <summary>Realistic items (10–50 attributes, about 3.4 KB a record), or small ones (the key and 8 scalars, about 0.9 KB a record).</summary>
    [Params(false, true)]
    public bool SmallItems { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _event = Event(Records, SmallItems).Json;
        _copy = new byte[_event.Length];
        _bodies = Bodies(_event);
    }

    /// <summary>The batch each case reads: records over a quarter as many keys, so a key has about four records.</summary>
    internal static StreamBatches.Batch Event(int records, bool smallItems) =>
        StreamBatches.Generate(records, Math.Max(1, records / StreamBatches.DefaultRecordsPerKey), seed: 6_000 + records,
            smallItems ? StreamBatches.Items.Small : StreamBatches.Items.Realistic);

    /// <summary>
    /// What the batch's write requests carry, item by item: each action's item (the last new image
    /// of a put, the key of a delete) as DynamoDB JSON, end to end. The requests' envelopes
    /// (table name, PutRequest, commas) add a few bytes an item, left out.
    /// </summary>
    internal static byte[] Bodies(byte[] json)
    {
        var buffer = new ArrayBufferWriter<byte>(json.Length);
        using var writer = new Utf8JsonWriter(buffer);
        foreach (var action in Planner.Plan(StreamEventParser.Parse(json), TtlDeletes.Replicate).Actions)
        {
            DynamoJson.WriteItem(writer, action.Item);
            writer.Flush();
            writer.Reset();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The bytes <see cref="Sha256"/> hashes, for reports.</summary>
    internal static int BodyBytes(int records, bool smallItems) => Bodies(Event(records, smallItems).Json).Length;

    /// <summary>
    /// The old path: parse + plan, then every record's new image read into values, which the
    /// parser did for every record up front before images stayed bytes (old images were read
    /// lazily already). Returns the attributes read, so that nothing is optimised away.
    /// </summary>
    [Benchmark(Baseline = true, Description = "old path: Parse + Plan + every new image read")]
    public int OldPath()
    {
        var parsed = StreamEventParser.Parse(_event);
        var plan = Planner.Plan(parsed, TtlDeletes.Replicate);
        var attributes = plan.Actions.Count;
        foreach (var record in parsed.Records)
        {
            attributes += record.NewImage?.Count ?? 0;
        }

        return attributes;
    }

    [Benchmark(Description = "StreamEventParser.Parse + Planner.Plan")]
    public ReplicationPlan ParseAndPlan() => Planner.Plan(StreamEventParser.Parse(_event), TtlDeletes.Replicate);

    /// <summary>Floor: the event's bytes copied once (memory bandwidth; reading the event into one buffer costs this).</summary>
    [Benchmark(Description = "copy of the event's bytes (floor)")]
    public int CopyBytes()
    {
        _event.AsSpan().CopyTo(_copy);
        return _copy[^1];
    }

    /// <summary>
    /// Floor: the JSON reader alone walking every token of the event, building nothing. Any parser
    /// that checks the syntax of every record it reads costs at least this much.
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

    /// <summary>Floor: SHA-256 of the request bodies' bytes (<see cref="Bodies"/>), which SigV4 hashes before a request is sent.</summary>
    [Benchmark(Description = "SHA-256 of the request bodies' bytes (floor)")]
    public int Sha256()
    {
        SHA256.HashData(_bodies, _hash);
        return _hash[0];
    }
}
