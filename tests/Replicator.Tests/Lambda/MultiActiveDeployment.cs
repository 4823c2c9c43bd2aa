using System.Globalization;
using System.Text.Json;
using Replicator.Applying;
using Replicator.Lambda;
using Replicator.Model;
using Replicator.MultiActive;
using Replicator.Tests.Fixtures;
using Replicator.Tests.MultiActive;

namespace Replicator.Tests.Lambda;

/// <summary>
/// What deploy/terraform/examples/multi-active deploys, in memory: three regions, each with its
/// table (with a stream), side tables, and function (REPLICATION_MODE=multi-active, the other two
/// regions as REPLICATION_TARGETS). An event source mapping's delivery is <see cref="DeliverAsync"/>:
/// the region's records past its checkpoint, as one event, through the Lambda host and the
/// runtime API stand-in; the checkpoint moves as Lambda moves it on the partial batch response.
/// </summary>
internal sealed class MultiActiveDeployment
{
    public const string Table = "users";
    public const string Key = "pk";
    public const string Value = "val";

    public static readonly string[] RegionNames = ["us-east-1", "eu-west-1", "ap-southeast-2"];

    private readonly Dictionary<string, IRegionTables> _tables = new(StringComparer.Ordinal);
    private readonly int[] _checkpoints = new int[3];
    private DateTimeOffset _now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private int _invocations;

    /// <param name="tables">Wraps a region's tables as its peers' functions see them (to make one refuse), by default as they are.</param>
    /// <param name="peerTables">A peer's tables as the functions reach it (its role's, in the host), by default the region's tables.</param>
    public MultiActiveDeployment(Func<InMemoryRegion, IRegionTables>? tables = null, Func<TargetTable, IRegionTables>? peerTables = null)
    {
        Regions = [.. RegionNames.Select(name =>
        {
            var region = new InMemoryRegion(name, () => _now);
            region.CreateTable(Table, Key, stream: true);
            region.CreateTable(Replica.TombstonesOf(Table), Tombstone.KeyAttribute);
            region.CreateTable(Replica.ConflictsOf(Table), ConflictItems.IdAttribute);
            _tables[name] = tables?.Invoke(region) ?? region;
            return region;
        })];
        Logs = [.. RegionNames.Select(_ => new StringWriter())];
        Functions = [.. RegionNames.Select((name, i) => new ReplicationFunction(
            new MultiActiveEngines(
                region => _tables[region],
                [.. RegionNames.Where(other => other != name).Select(other => new TargetTable(other, Table))],
                new MultiActiveSettings(),
                TestSettings.FastEngine,
                deadLetters: null,
                TimeProvider.System,
                new Random(i),
                peerTables),
            TimeProvider.System,
            Logs[i],
            FunctionName(i)))];
    }

    public IReadOnlyList<InMemoryRegion> Regions { get; }

    public IReadOnlyList<ReplicationFunction> Functions { get; }

    /// <summary>Each region's function log: its log lines, conflict lines and metric lines.</summary>
    public IReadOnlyList<StringWriter> Logs { get; }

    public static string FunctionName(int region) => $"users-{RegionNames[region]}-replicator";

    public static ItemKey KeyOf(string key) => new(new Dictionary<string, DynamoValue> { [Key] = DynamoValue.String(key) });

    public void Advance(TimeSpan time) => _now += time;

    public IReadOnlyDictionary<string, DynamoValue>? Item(int region, string key) => Regions[region].Get(Table, KeyOf(key));

    public ReplicaMetadata? MetadataOf(int region, string key) => ReplicaMetadata.Read(Item(region, key), ReplicationOptions.DefaultMetadataAttribute);

    public string? ValueOf(int region, string key) => Item(region, key)?.GetValueOrDefault(Value)?.AsString();

    /// <summary>The application's PutItem of a new item (no metadata).</summary>
    public void Put(int region, string key, string value) => Regions[region].Apply(new TableWrite.Put(
        Table, KeyOf(key), new Dictionary<string, DynamoValue> { [Key] = DynamoValue.String(key), [Value] = DynamoValue.String(value) }, null));

    /// <summary>The application's UpdateItem SET, which keeps the metadata.</summary>
    public void Update(int region, string key, string value) =>
        Regions[region].Apply(new TableWrite.Set(Table, KeyOf(key), Value, DynamoValue.String(value), null));

    /// <summary>Records of region <paramref name="region"/>'s stream not yet past its checkpoint.</summary>
    public IReadOnlyList<ChangeRecord> Pending(int region) => [.. Regions[region].Stream(Table).Skip(_checkpoints[region])];

    /// <summary>
    /// One invocation of region <paramref name="region"/>'s function with its pending records,
    /// through the host; returns what the host posted (the response or the error). On a response
    /// the checkpoint moves to the reported failure (or past the batch), as Lambda moves it.
    /// </summary>
    public async Task<RecordedRequest> DeliverAsync(int region, CancellationToken cancellationToken)
    {
        var records = Pending(region);
        var requestId = $"req-{++_invocations}";
        await using var api = new RuntimeApiRecorder(request => request.Path == "/2018-06-01/runtime/invocation/next"
            ? new ScriptedAnswer(200, LambdaEvents.Of(records), new Dictionary<string, string>
            {
                ["Lambda-Runtime-Aws-Request-Id"] = requestId,
                ["Lambda-Runtime-Deadline-Ms"] = DateTimeOffset.UtcNow.AddSeconds(60).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                ["Lambda-Runtime-Invoked-Function-Arn"] = $"arn:aws:lambda:{RegionNames[region]}:123456789012:function:{FunctionName(region)}",
            })
            : ScriptedAnswer.Accepted);
        using var runtime = new RuntimeApiClient(api.Address);

        await new LambdaHost(runtime, Functions[region], Logs[region]).ServeOneAsync(cancellationToken);

        var posted = Assert.Single(api.Requests, request => request.Method == "POST");
        if (posted.Path.EndsWith("/response", StringComparison.Ordinal))
        {
            using var response = JsonDocument.Parse(posted.Body);
            var failures = response.RootElement.GetProperty("batchItemFailures");
            _checkpoints[region] += failures.GetArrayLength() == 0
                ? records.Count
                : records.TakeWhile(record => record.SequenceNumber.Value != failures[0].GetProperty("itemIdentifier").GetString()).Count();
        }

        return posted;
    }

    /// <summary>Delivers every region's records until no stream has any left; false if that took more than <paramref name="maxRounds"/> rounds (a loop).</summary>
    public async Task<bool> SettleAsync(CancellationToken cancellationToken, int maxRounds = 50)
    {
        for (var round = 0; round < maxRounds; round++)
        {
            var moved = false;
            for (var i = 0; i < Regions.Count; i++)
            {
                if (Pending(i).Count > 0)
                {
                    var posted = await DeliverAsync(i, cancellationToken);
                    Assert.Equal("""{"batchItemFailures":[]}""", posted.Text);
                    moved = true;
                }
            }

            if (!moved)
            {
                return true;
            }

            Advance(TimeSpan.FromMilliseconds(300));
        }

        return false;
    }

    /// <summary>The JSON lines region <paramref name="region"/>'s function wrote.</summary>
    public List<JsonElement> LogLines(int region) =>
        [.. Logs[region].ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement)];
}
