using System.Globalization;
using Replicator.Model;
using Replicator.MultiActive;
using Replicator.Parsing;
using Replicator.Tests.Fixtures;

namespace Replicator.Tests.MultiActive;

/// <summary>
/// N regions of one multi-active table in memory, each with its replicator reading its own
/// region's stream from a checkpoint, as <c>replicator replicate --mode multi-active</c> does.
/// The application writes anywhere (<see cref="Put"/>, <see cref="Update"/>, <see cref="Delete"/>
/// …); a replicator takes a step (<see cref="StepAsync"/>) when the test says, so records arrive
/// as late as the test likes; <see cref="SettleAsync"/> runs every replicator until none has
/// anything left to do. Region clocks are whole seconds and may disagree.
/// </summary>
internal sealed class Simulation
{
    public const string Table = "users";
    public const string Key = "pk";
    public const string Value = "val";

    public static readonly string[] RegionNames = ["us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1"];

    private readonly Node[] _nodes;
    private DateTimeOffset _now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private int _writes;

    public Simulation(int regions = 3, bool recordsUnchangedWrites = false, TimeSpan[]? skews = null, MultiActiveSettings? settings = null)
    {
        var names = RegionNames[..regions];
        // One key at a time: a seed replays exactly (concurrency across regions is the simulation's own interleaving).
        var multiActive = (settings ?? new MultiActiveSettings()) with { MaxConcurrentKeys = 1 };
        Metadata = multiActive.MetadataAttribute;
        var tables = names.Select((name, i) =>
        {
            var skew = skews?[i] ?? TimeSpan.Zero;
            var region = new InMemoryRegion(name, () => _now + skew) { RecordsUnchangedWrites = recordsUnchangedWrites };
            region.CreateTable(Table, Key, stream: true);
            region.CreateTable(Replica.TombstonesOf(Table), Tombstone.KeyAttribute);
            region.CreateTable(Replica.ConflictsOf(Table), ConflictItems.IdAttribute);
            return region;
        }).ToArray();

        _nodes = [.. tables.Select((region, i) =>
        {
            var process = new ReplicatorProcess();
            Replica ReplicaOf(InMemoryRegion other) => new(other.Region, Table, new ReplicatorView(other, process));
            var peers = tables.Where(other => other != region).Select(ReplicaOf).ToList();
            var applier = new MultiActiveApplier(ReplicaOf(region), peers, multiActive, TestSettings.FastEngine with { MaxConcurrentRequests = 1 }, TimeProvider.System, new Random(i));
            return new Node(region, process, applier);
        })];
    }

    public string Metadata { get; }

    public int RegionCount => _nodes.Length;

    public InMemoryRegion Region(int i) => _nodes[i].Region;

    public ReplicatorProcess Process(int i) => _nodes[i].Process;

    /// <summary>Application writes made so far (each put, update, delete, copy; a transaction counts its writes).</summary>
    public int ApplicationWrites => _writes;

    /// <summary>Every record in every region's stream.</summary>
    public int Records => _nodes.Sum(node => node.Region.Stream(Table).Count);

    public static ItemKey KeyOf(string key) => new(new Dictionary<string, DynamoValue> { [Key] = DynamoValue.String(key) });

    public void Advance(TimeSpan time) => _now += time;

    public IReadOnlyDictionary<string, DynamoValue>? Item(int region, string key) => Region(region).Get(Table, KeyOf(key));

    /// <summary>The item's own attributes, without the replicator's metadata.</summary>
    public IReadOnlyDictionary<string, DynamoValue>? Data(int region, string key) =>
        Item(region, key) is { } item ? item.Where(pair => pair.Key != Metadata).ToDictionary() : null;

    public ReplicaMetadata? MetadataOf(int region, string key) => ReplicaMetadata.Read(Item(region, key), Metadata);

    /// <summary>PutItem of a new item without metadata, as an application that knows nothing of replication writes.</summary>
    public void Put(int region, string key, string value, params (string Name, DynamoValue Value)[] more)
    {
        var item = new Dictionary<string, DynamoValue> { [Key] = DynamoValue.String(key), [Value] = DynamoValue.String(value) };
        foreach (var (name, extra) in more)
        {
            item[name] = extra;
        }

        Write(region, new TableWrite.Put(Table, KeyOf(key), item, null));
    }

    /// <summary>UpdateItem SET, which keeps every other attribute, the metadata too.</summary>
    public void Update(int region, string key, string value, string attribute = Value) =>
        Write(region, new TableWrite.Set(Table, KeyOf(key), attribute, DynamoValue.String(value), null));

    public void Delete(int region, string key) => Write(region, new TableWrite.Delete(Table, KeyOf(key), null));

    /// <summary>A delete by time-to-live: DynamoDB's own, marked as such in the record.</summary>
    public void ExpireByTtl(int region, string key)
    {
        _writes++;
        Region(region).Apply(new TableWrite.Delete(Table, KeyOf(key), null), ttl: true);
    }

    /// <summary>Reads the item and writes it back changed, metadata and all (a read-modify-write with PutItem).</summary>
    public void ReadModifyWrite(int region, string key, string value)
    {
        var item = Item(region, key) is { } read ? new Dictionary<string, DynamoValue>(read) : new Dictionary<string, DynamoValue> { [Key] = DynamoValue.String(key) };
        item[Value] = DynamoValue.String(value);
        Write(region, new TableWrite.Put(Table, KeyOf(key), item, null));
    }

    /// <summary>Copies the item, metadata and all, from one region's table into another's.</summary>
    public void Copy(int from, int to, string key)
    {
        if (Item(from, key) is { } item)
        {
            Write(to, new TableWrite.Put(Table, KeyOf(key), item, null));
        }
    }

    /// <summary>TransactWriteItems putting several items at once.</summary>
    public void PutTogether(int region, IReadOnlyList<(string Key, string Value)> items)
    {
        _writes += items.Count;
        Region(region).ApplyAll([.. items.Select(pair => (TableWrite)new TableWrite.Put(
            Table, KeyOf(pair.Key), new Dictionary<string, DynamoValue> { [Key] = DynamoValue.String(pair.Key), [Value] = DynamoValue.String(pair.Value) }, null))]);
    }

    private void Write(int region, TableWrite write)
    {
        _writes++;
        Region(region).Apply(write);
    }

    /// <summary>Records not yet past region <paramref name="i"/>'s checkpoint.</summary>
    public int Pending(int i) => Region(i).Stream(Table).Count - _nodes[i].Checkpoint;

    /// <summary>
    /// One batch of region <paramref name="i"/>'s replicator: up to <paramref name="max"/> records
    /// from its checkpoint (in another order across keys if <paramref name="shuffle"/> says),
    /// applied; the checkpoint moves past them only if every key is done. A killed process
    /// loses the batch, and starts again from its checkpoint. Returns whether it moved.
    /// </summary>
    public async Task<bool> StepAsync(int i, int max = 100, Random? shuffle = null)
    {
        var node = _nodes[i];
        var records = node.Region.Stream(Table).Skip(node.Checkpoint).Take(max).ToList();
        if (records.Count == 0)
        {
            return false;
        }

        if (shuffle is not null)
        {
            // Across keys the stream promises no order; within a key the planner sorts by sequence number.
            records = [.. records.OrderBy(_ => shuffle.Next())];
        }

        var plan = MultiActivePlanner.Plan(new ParsedBatch(records, []));
        Assert.Empty(plan.Problems);
        try
        {
            var results = await node.Applier.ApplyAsync(plan.Keys!, DateTimeOffset.UtcNow.AddMinutes(5), CancellationToken.None);
            Conflicts += results.Sum(result => result.Counts.Conflicts);
            Counts = results.Aggregate(Counts, (sum, result) => sum + result.Counts);
            if (results.All(result => result.Fate == KeyFate.Done))
            {
                node.Checkpoint += records.Count;
                return true;
            }

            Assert.Fail($"a key failed: {string.Join("; ", results.Where(r => r.Fate != KeyFate.Done).Select(r => r.Error))}");
            return false;
        }
        catch (SimulatedCrash)
        {
            node.Process.Restart();
            return false;
        }
    }

    /// <summary>Moves region <paramref name="i"/>'s checkpoint back: the next batches deliver those records again.</summary>
    public void Rewind(int i, int records) => _nodes[i].Checkpoint = Math.Max(0, _nodes[i].Checkpoint - records);

    public int Conflicts { get; private set; }

    public MultiActiveCounts Counts { get; private set; } = MultiActiveCounts.None;

    /// <summary>Runs every replicator until no stream has a record left; false if they were still busy after <paramref name="maxRounds"/> rounds (a loop).</summary>
    public async Task<bool> SettleAsync(int maxRounds = 200)
    {
        foreach (var node in _nodes)
        {
            node.Process.Interleave = null;
            node.Process.CrashAfter = null;
        }

        for (var round = 0; round < maxRounds; round++)
        {
            var moved = false;
            for (var i = 0; i < _nodes.Length; i++)
            {
                moved |= await StepAsync(i);
            }

            if (!moved)
            {
                return true;
            }

            Advance(TimeSpan.FromMilliseconds(300));
        }

        return false;
    }

    /// <summary>Every conflict recorded in every region.</summary>
    public IReadOnlyList<StoredConflict> RecordedConflicts() =>
        [.. _nodes.SelectMany(node => node.Region.Items(Replica.ConflictsOf(Table)).Values.Select(item => ConflictItems.FromItem(item)!))];

    /// <summary>Why the regions differ on some key, or null if every region holds the same data and version for every key.</summary>
    public string? Divergence()
    {
        var keys = _nodes.SelectMany(node => node.Region.Items(Table).Keys).ToHashSet();
        foreach (var key in keys)
        {
            var states = _nodes.Select(node => node.Region.Get(Table, key)).ToList();
            var first = Describe(states[0]);
            for (var i = 1; i < states.Count; i++)
            {
                if (Describe(states[i]) != first)
                {
                    return $"{key}: {_nodes[0].Region.Region} holds {first}, {_nodes[i].Region.Region} holds {Describe(states[i])}";
                }
            }
        }

        return null;
    }

    private string Describe(IReadOnlyDictionary<string, DynamoValue>? item)
    {
        if (item is null)
        {
            return "nothing";
        }

        var data = item.Where(pair => pair.Key != Metadata).OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Key}={pair.Value}");
        var version = ReplicaMetadata.Read(item, Metadata)?.Version.Text ?? "(no version)";
        return $"{{{string.Join(", ", data)}}} at {version}";
    }

    /// <summary>Every record of <paramref name="key"/> in every region's stream, for a failure message.</summary>
    public string Trace(string key)
    {
        var lines = new List<string>();
        for (var i = 0; i < _nodes.Length; i++)
        {
            var region = _nodes[i].Region;
            lines.Add($"{region.Region} (checkpoint {_nodes[i].Checkpoint}):");
            foreach (var (_, item) in region.Items(Replica.TombstonesOf(Table)))
            {
                if (Tombstone.FromItem(item) is { } stone && (key == "*" || stone.Key.Equals(KeyOf(key))))
                {
                    lines.Add($"  tombstone of {stone.Key.Attributes[Key].AsString()}: {stone.Version} seen {stone.Seen}");
                }
            }

            foreach (var conflict in region.Items(Replica.ConflictsOf(Table)).Values.Select(ConflictItems.FromItem).OfType<StoredConflict>()
                .Where(conflict => key == "*" || conflict.Key.Equals(KeyOf(key))))
            {
                lines.Add($"  conflict on {conflict.Key.Attributes[Key].AsString()}: {conflict.Loser.Version} lost to {conflict.Winner.Version}");
            }

            foreach (var (pinKey, pin) in region.Items(Replica.TombstonesOf(Table)).Where(pair => pair.Key.Attributes[Tombstone.KeyAttribute].AsString().EndsWith("#insert", StringComparison.Ordinal)))
            {
                lines.Add($"  pin {pinKey.Attributes[Tombstone.KeyAttribute].AsString()}: {Describe(pin)}");
            }

            foreach (var record in region.Stream(Table).Where(record => key == "*" || record.Key.Equals(KeyOf(key))))
            {
                var origin = RecordOrigins.Of(record, region.Region, Metadata);
                string Side(IReadOnlyDictionary<string, DynamoValue>? image)
                {
                    if (image is null)
                    {
                        return "-";
                    }

                    var value = image.TryGetValue(Value, out var v) ? v.AsString() : "?";
                    var m = ReplicaMetadata.Read(image, Metadata);
                    var version = m is null ? "none" : $"{m.Version.Text[9..15]}.{m.Version.Counter}.{m.Version.Region}.{m.Version.Sequence.TrimStart('0')}{(m.Deleted ? " deleted" : "")} in {m.WrittenIn}";
                    return $"{value}@{version}";
                }

                lines.Add($"  {record.SequenceNumber} {record.ApproximateCreationTime:HH:mm:ss} {record.Key.Attributes[Key].AsString()} {record.Kind} {origin}: {Side(record.OldImage)} -> {Side(record.NewImage)}");
            }
        }

        return string.Join("\n", lines);
    }

    public static string Text(IReadOnlyDictionary<string, DynamoValue>? data) =>
        data is null ? "nothing" : "{" + string.Join(", ", data.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Key}={pair.Value}")) + "}";

    public static string Stamp(int n) => n.ToString("D4", CultureInfo.InvariantCulture);

    private sealed class Node(InMemoryRegion region, ReplicatorProcess process, MultiActiveApplier applier)
    {
        public InMemoryRegion Region { get; } = region;

        public ReplicatorProcess Process { get; } = process;

        public MultiActiveApplier Applier { get; } = applier;

        public int Checkpoint { get; set; }
    }
}
