using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Replicator.Aws;
using Replicator.Backfill;
using Replicator.IntegrationTests.Cli;
using Replicator.IntegrationTests.Support;
using Replicator.Model;

namespace Replicator.IntegrationTests.MultiActive;

/// <summary>
/// A new, empty region joins a live multi-active set on moto by the procedure of
/// docs/multi-active.md ("Joining a region"), every step a real <c>replicator</c> process: two
/// regions replicating, with items from before the set (no metadata) and writes going on; the
/// third region set up, added as a target of both replicators (restarted) while the writes go
/// on, copied into with <c>backfill --mode multi-active</c> while deletes are made (the writers
/// pause for the copy itself, for moto's sake: see step 3), its own replicator started, the
/// writers writing there too; once the writes stop, <c>verify --mode multi-active</c> across the three says identical, and what
/// was deleted during the copy stays deleted in the new region.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class JoinTests(MotoServer moto) : IDisposable
{
    private const string A = "us-east-1";
    private const string B = "eu-west-1";
    private const string Joining = "ap-southeast-2";

    /// <summary>
    /// Items from before the set: enough that the copy, in many segments, takes seconds on moto
    /// (whose TransactWriteItems, the copy's write into a missing item, slows as the region's tables grow).
    /// </summary>
    private const int Existing = 400;

    /// <summary>The writers' keys; the victims of the deletes made during the copy are none of them.</summary>
    private const int WrittenKeys = 40;

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private static readonly int[] ExistingVictims = [300, 301, 302, 303, 304, 305, 306, 307];
    private static readonly int[] VersionedVictims = [350, 351, 352, 353, 354];

    private readonly string _table = MotoServer.UniqueName("join");
    private readonly string _directory = Directory.CreateTempSubdirectory("join-").FullName;
    private readonly List<ReplicatorProcess> _processes = [];
    private volatile bool _paused;

    public void Dispose()
    {
        _processes.ForEach(process => process.Dispose());
        Directory.Delete(_directory, recursive: true);
        if (File.Exists(ProgressPath))
        {
            File.Delete(ProgressPath);
        }
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private IAmazonDynamoDB Db(string region) => moto.Clients.DynamoDb(region);

    private string Table(string region) => $"{region}:{_table}";

    private string Checkpoint(string region) => Path.Combine(_directory, $"{region}.checkpoint.json");

    /// <summary>Where <c>backfill --mode multi-active</c> keeps its progress: under the working directory, which the processes share with the tests.</summary>
    private string ProgressPath => BackfillState.PathFor(Path.Combine(".replicator", $"{A}.{_table}.copy-to.{Joining}.{_table}"));

    private static Dictionary<string, AttributeValue> Key(int i) => new() { ["pk"] = new AttributeValue { S = $"item-{i}" } };

    private static Dictionary<string, AttributeValue> Item(int i, string value) => AttributeValues.ToSdk(new Dictionary<string, DynamoValue>
    {
        ["pk"] = DynamoValue.String($"item-{i}"),
        ["val"] = DynamoValue.String(value),
        ["padding"] = DynamoValue.String(new string('p', 200)),
    });

    [Fact]
    public async Task NewRegion_JoinsALiveSet_ByTheDocumentedProcedure_AndEndsIdentical_WithWhatWasDeletedDuringTheCopyStillDeleted()
    {
        // Two regions hold the same items from before the set (written before their streams), then replicate multi-active.
        await CreateTableAsync(A, stream: false);
        await CreateTableAsync(B, stream: false);
        await Task.WhenAll(LoadExistingAsync(A), LoadExistingAsync(B));
        await EnableStreamAsync(A);
        await EnableStreamAsync(B);
        await RunAsync("setup", "--mode", "multi-active", "--source", Table(A), "--target", Table(B));
        var replicatorA = Replicate(A, B);
        var replicatorB = Replicate(B, A);

        // Writes in both regions, going on through the join; the versioned victims get a version first.
        using var stopWriting = new CancellationTokenSource();
        var writers = Task.WhenAll(WriteAsync(A, 1, stopWriting.Token), WriteAsync(B, 2, stopWriting.Token));
        foreach (var victim in VersionedVictims)
        {
            await Db(A).PutItemAsync(new PutItemRequest { TableName = _table, Item = Item(victim, "versioned before the join") }, Token);
        }

        await EventuallyAsync(async () => (await Task.WhenAll(VersionedVictims.Select(victim => HasMetadataAsync(B, victim)))).All(has => has), "the versioned victims never reached the other region versioned");

        // 1. The new region's table (empty, with a stream) and its side tables.
        await CreateTableAsync(Joining, stream: true);
        await RunAsync("setup", "--mode", "multi-active", "--source", Table(Joining), "--target", Table(A), "--target", Table(B));

        // 2. Every replicator of the set restarted with the new region as a target.
        replicatorA.Kill();
        replicatorB.Kill();
        Replicate(A, B, Joining);
        Replicate(B, A, Joining);

        // 3. The copy from one region, with deletes made in the middle of it. The writers pause, and
        //    the set catches up, first: on moto, a transaction cancelled for its condition (a
        //    replicated insert that meets the copy's, or the other way round) puts back a deep copy
        //    of the table taken when it began, losing every write made meanwhile; AWS does not.
        _paused = true;
        var (caughtUp, differences) = await VerifiedAsync(Table(B));
        Assert.True(caughtUp == 0, $"the two regions never caught up before the copy:\n{differences}\n{Logs()}");
        var copy = Start("backfill", "--mode", "multi-active", "--source", Table(A), "--target", Table(Joining), "--segments", "8");
        await EventuallyAsync(() => Task.FromResult(BackfillState.Load(ProgressPath) is { ItemsCopied: > 0 } state && state.Segments.Any(segment => !segment.Done)), () => $"the copy was never seen under way:\n{copy.Output}");
        foreach (var victim in ExistingVictims.Concat(VersionedVictims))
        {
            await Db(A).DeleteItemAsync(new DeleteItemRequest { TableName = _table, Key = Key(victim) }, Token);
        }

        var copied = await copy.WaitAsync(Timeout);
        Assert.True(copied == 0, $"backfill exited {copied}:\n{copy.Output}");
        Assert.False(File.Exists(ProgressPath), "a finished copy left its progress file");
        Assert.Contains("--start-at latest", copy.Output, StringComparison.Ordinal);

        _paused = false;

        // 4. The new region's own replicator, from the stream's end; then the application may write there too.
        Replicate(Joining, [A, B], "--start-at", "latest");
        await EventuallyAsync(() => Task.FromResult(File.Exists(Checkpoint(Joining)) && !File.ReadAllText(Checkpoint(Joining)).Contains("startAtLatest", StringComparison.Ordinal)), "the new region's replicator never took its position");
        var writesInJoining = WriteAsync(Joining, 3, stopWriting.Token);
        await Task.Delay(TimeSpan.FromSeconds(3), Token);

        // 5. Writes stop; verify across the three says identical once the replicators have caught up.
        await stopWriting.CancelAsync();
        await writers;
        await writesInJoining;
        var (code, report) = await VerifiedAsync();
        Assert.True(code == 0, $"verify --mode multi-active exited {code}:\n{report}\n{Logs()}");
        foreach (var victim in ExistingVictims.Concat(VersionedVictims))
        {
            foreach (var region in new[] { A, B, Joining })
            {
                var item = await Db(region).GetItemAsync(new GetItemRequest { TableName = _table, Key = Key(victim), ConsistentRead = true }, Token);
                Assert.True(item.Item is null || item.Item.Count == 0, $"item-{victim}, deleted during the copy, is back in {region}");
            }
        }

        var joined = await moto.ScanAsync(Joining, _table);
        Assert.True(joined.Count > Existing - ExistingVictims.Length - VersionedVictims.Length - WrittenKeys, $"the new region holds only {joined.Count} items");
        Assert.Contains(joined, item => !item.ContainsKey("_replication"));
    }

    private async Task CreateTableAsync(string region, bool stream)
    {
        var request = new CreateTableRequest
        {
            TableName = _table,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
        };
        if (stream)
        {
            request.StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = Amazon.DynamoDBv2.StreamViewType.NEW_AND_OLD_IMAGES };
        }

        await Db(region).CreateTableAsync(request, Token);
    }

    private Task EnableStreamAsync(string region) => Db(region).UpdateTableAsync(new UpdateTableRequest
    {
        TableName = _table,
        StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = Amazon.DynamoDBv2.StreamViewType.NEW_AND_OLD_IMAGES },
    }, Token);

    private Task LoadExistingAsync(string region) =>
        Parallel.ForEachAsync(Enumerable.Range(0, Existing).Chunk(25), new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = Token }, async (chunk, token) =>
        {
            var response = await Db(region).BatchWriteItemAsync(new BatchWriteItemRequest
            {
                RequestItems = new() { [_table] = [.. chunk.Select(i => new WriteRequest { PutRequest = new PutRequest { Item = Item(i, "from before the set") } })] },
            }, token);
            Assert.True(response.UnprocessedItems is null || response.UnprocessedItems.Count == 0);
        });

    /// <summary>
    /// An application in <paramref name="region"/>: puts (which drop the metadata) and updates
    /// (which keep it) on a few keys, until stopped. No deletes here: on moto, a transaction
    /// cancelled for its condition (as replicated inserts after deletes of hot keys often are)
    /// puts back a deep copy of its tables, which loses writes made meanwhile and leaves the
    /// stream's readers on a shard that no longer grows; AWS does neither. The deletes of this
    /// test are the victims', one each.
    /// </summary>
    private async Task WriteAsync(string region, int seed, CancellationToken stop)
    {
        var random = new Random(seed);
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            if (_paused)
            {
                await Task.Delay(20, CancellationToken.None);
                continue;
            }

            var n = random.Next(WrittenKeys);
            var value = $"{region} write {i}";
            switch (random.Next(3))
            {
                case 0:
                    await Db(region).PutItemAsync(new PutItemRequest { TableName = _table, Item = Item(n, value) }, CancellationToken.None);
                    break;
                default:
                    await Db(region).UpdateItemAsync(new UpdateItemRequest
                    {
                        TableName = _table,
                        Key = Key(n),
                        UpdateExpression = "SET val = :v",
                        ExpressionAttributeValues = new() { [":v"] = new AttributeValue { S = value } },
                    }, CancellationToken.None);
                    break;
            }

            try
            {
                await Task.Delay(50, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<bool> HasMetadataAsync(string region, int i) =>
        (await Db(region).GetItemAsync(new GetItemRequest { TableName = _table, Key = Key(i), ConsistentRead = true }, Token)).Item?.ContainsKey("_replication") == true;

    private ReplicatorProcess Start(params string[] args)
    {
        var process = ReplicatorProcess.Start(moto, args);
        _processes.Add(process);
        return process;
    }

    private ReplicatorProcess Replicate(string source, params string[] targets) => Replicate(source, targets, []);

    private ReplicatorProcess Replicate(string source, string[] targets, params string[] more) =>
        Start(["replicate", "--mode", "multi-active", "--source", Table(source), .. targets.SelectMany(target => new[] { "--target", Table(target) }), "--checkpoint", Checkpoint(source), "--idle-delay-ms", "100", .. more]);

    private async Task RunAsync(params string[] args)
    {
        var (code, output) = await ReplicatorProcess.RunAsync(moto, Timeout, args);
        Assert.True(code == 0, $"replicator {string.Join(" ", args)} exited {code}:\n{output}");
    }

    /// <summary>Verify of A against the targets (by default the two others), again until it says identical (the replicators are catching up) or a minute has passed.</summary>
    private async Task<(int Code, string Report)> VerifiedAsync(params string[] targets)
    {
        targets = targets.Length > 0 ? targets : [Table(B), Table(Joining)];
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var (code, report) = await ReplicatorProcess.RunAsync(moto, Timeout, ["verify", "--mode", "multi-active", "--source", Table(A), .. targets.SelectMany(target => new[] { "--target", target }), "--output", "json"]);
            if (code == 0 || waited.Elapsed > TimeSpan.FromMinutes(1))
            {
                return (code, report);
            }

            await Task.Delay(TimeSpan.FromSeconds(2), Token);
        }
    }

    private static Task EventuallyAsync(Func<Task<bool>> condition, string failure) => EventuallyAsync(condition, () => failure);

    private static async Task EventuallyAsync(Func<Task<bool>> condition, Func<string> failure)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), failure());
            await Task.Delay(20, Token);
        }
    }

    private string Logs() => string.Join("\n", _processes.Select((process, i) => $"--- process {i} ---\n{process.Output}"));
}
