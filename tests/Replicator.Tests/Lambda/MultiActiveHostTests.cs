using System.Text;
using System.Text.Json;
using Replicator.Applying;
using Replicator.Lambda;
using Replicator.Model;
using Replicator.MultiActive;
using Replicator.Tests.MultiActive;

namespace Replicator.Tests.Lambda;

/// <summary>The Lambda host with REPLICATION_MODE=multi-active, three regions in memory, each event through the runtime API stand-in.</summary>
public sealed class MultiActiveHostTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables)
    {
        var values = variables.ToDictionary(variable => variable.Name, variable => variable.Value, StringComparer.Ordinal);
        return name => values.GetValueOrDefault(name);
    }

    [Fact]
    public async Task ApplicationWriteInOneRegion_IsStampedThere_AndReplicatedToBothPeers_WithOneVersion()
    {
        var set = new MultiActiveDeployment();
        set.Put(0, "k", "hello");

        var posted = await set.DeliverAsync(0, Cancellation);

        Assert.Equal("/2018-06-01/runtime/invocation/req-1/response", posted.Path);
        Assert.Equal("""{"batchItemFailures":[]}""", posted.Text);
        var stamp = set.MetadataOf(0, "k");
        Assert.NotNull(stamp);
        Assert.Equal("us-east-1", stamp.Version.Region);
        Assert.All([1, 2], peer =>
        {
            Assert.Equal("hello", set.ValueOf(peer, "k"));
            Assert.Equal(stamp.Version, set.MetadataOf(peer, "k")?.Version);
        });
        var line = set.LogLines(0)[0];
        Assert.Equal("batch replicated", line.GetProperty("message").GetString());
        Assert.Equal(1, line.GetProperty("multiActive").GetProperty("versioned").GetInt32());
        Assert.Equal(2, line.GetProperty("multiActive").GetProperty("forwarded").GetInt32());
        var counts = set.LogLines(0).Single(l => l.TryGetProperty("Forwarded", out _));
        Assert.Equal(2, counts.GetProperty("Forwarded").GetInt32());
        Assert.Equal(MultiActiveDeployment.FunctionName(0), counts.GetProperty("FunctionName").GetString());
    }

    [Fact]
    public async Task TheWritesTheReplicatorMade_ComeBackAsItsOwn_AndEveryRegionGoesIdle()
    {
        var set = new MultiActiveDeployment();
        set.Put(0, "k", "hello");

        Assert.True(await set.SettleAsync(Cancellation));

        // The write, its stamp, and one replicated write in each peer: nothing forwarded twice.
        Assert.Equal(4, set.Regions.Sum(region => region.Stream(MultiActiveDeployment.Table).Count));
        Assert.Equal(["hello", "hello", "hello"], [.. Enumerable.Range(0, 3).Select(i => set.ValueOf(i, "k"))]);
        Assert.All([1, 2], peer => Assert.Equal(0, set.LogLines(peer)[0].GetProperty("multiActive").GetProperty("forwarded").GetInt32()));
    }

    [Fact]
    public async Task PeerRefusesOneKey_RespondsWithThatRecordsSequenceNumber_AndTheOtherKeysAreReplicated()
    {
        var set = new MultiActiveDeployment(region => region.Region == "ap-southeast-2" ? new RefusingTables(region, MultiActiveDeployment.KeyOf("b")) : region);
        set.Put(0, "a", "1");
        set.Put(0, "b", "2");
        var b = set.Pending(0).Single(record => record.Key.Equals(MultiActiveDeployment.KeyOf("b")));

        var posted = await set.DeliverAsync(0, Cancellation);

        Assert.Equal($$"""{"batchItemFailures":[{"itemIdentifier":"{{b.SequenceNumber.Value}}"}]}""", posted.Text);
        Assert.Equal(["1", "1", "1"], [.. Enumerable.Range(0, 3).Select(i => set.ValueOf(i, "a"))]);
        Assert.Null(set.ValueOf(2, "b"));
        var line = set.LogLines(0)[0];
        Assert.Equal("error", line.GetProperty("level").GetString());
        Assert.Contains("AccessDeniedException", line.GetProperty("errors")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusedBatch_IsDeliveredAgainFromTheFailure_AndConvergesOnceThePeerTakesIt()
    {
        RefusingTables? refusing = null;
        var set = new MultiActiveDeployment(region => region.Region == "ap-southeast-2" ? refusing = new RefusingTables(region, MultiActiveDeployment.KeyOf("b")) : region);
        set.Put(0, "a", "1");
        set.Put(0, "b", "2");
        await set.DeliverAsync(0, Cancellation);

        refusing!.Refuses = false;
        Assert.True(await set.SettleAsync(Cancellation));

        Assert.Equal(["2", "2", "2"], [.. Enumerable.Range(0, 3).Select(i => set.ValueOf(i, "b"))]);
        Assert.Equal(set.MetadataOf(0, "b")?.Version, set.MetadataOf(2, "b")?.Version);
    }

    [Fact]
    public async Task SimultaneousUpdatesInTwoRegions_TheLosersRegionLogsTheConflict_AndCountsItPerRegionPair()
    {
        var set = new MultiActiveDeployment();
        set.Put(0, "k", "base");
        Assert.True(await set.SettleAsync(Cancellation));
        set.Advance(TimeSpan.FromSeconds(2));
        set.Update(0, "k", "from-east");
        set.Update(1, "k", "from-west");

        Assert.True(await set.SettleAsync(Cancellation));

        var winner = set.ValueOf(0, "k");
        Assert.Equal([winner, winner, winner], [.. Enumerable.Range(0, 3).Select(i => set.ValueOf(i, "k"))]);
        var (loser, origin) = winner == "from-east" ? (1, "us-east-1") : (0, "eu-west-1");
        var conflict = Assert.Single(Enumerable.Range(0, 3).SelectMany(set.LogLines), line => line.TryGetProperty("message", out var m) && m.GetString() == "conflict");
        Assert.Contains(conflict.GetRawText(), set.LogLines(loser).Select(line => line.GetRawText()));
        Assert.Equal("users", conflict.GetProperty("table").GetString());
        Assert.Equal("""{"pk":{"S":"k"}}""", conflict.GetProperty("key").GetRawText());
        Assert.Equal(MultiActiveDeployment.RegionNames[loser], conflict.GetProperty("detectedIn").GetString());
        Assert.Equal(origin, conflict.GetProperty("winner").GetProperty("origin").GetString());
        Assert.Equal(set.MetadataOf(2, "k")!.Version.Text, conflict.GetProperty("winner").GetProperty("version").GetString());
        Assert.Equal(MultiActiveDeployment.RegionNames[loser], conflict.GetProperty("loser").GetProperty("origin").GetString());
        Assert.False(conflict.GetProperty("loser").GetProperty("delete").GetBoolean());
        var stored = Assert.Single(set.Regions[loser].Items(Replica.ConflictsOf(MultiActiveDeployment.Table)).Values);
        Assert.Equal(stored[ConflictItems.IdAttribute].AsString(), conflict.GetProperty("id").GetString());

        var metric = Assert.Single(set.LogLines(loser), line => line.TryGetProperty("ConflictsResolved", out _));
        Assert.Equal(
            (origin, MultiActiveDeployment.RegionNames[loser], 1, MultiActiveDeployment.FunctionName(loser)),
            (metric.GetProperty("SourceRegion").GetString(), metric.GetProperty("TargetRegion").GetString(), metric.GetProperty("ConflictsResolved").GetInt32(), metric.GetProperty("FunctionName").GetString()));
        Assert.DoesNotContain(set.LogLines(2), line => line.TryGetProperty("ConflictsResolved", out _));
    }

    [Fact]
    public async Task EventWithoutASourceArn_FailsTheInvocation_AndWritesNothing()
    {
        var set = new MultiActiveDeployment();
        var invocation = new Invocation("req-1", DateTimeOffset.UtcNow.AddSeconds(30), null, null, Encoding.UTF8.GetBytes(Fixtures.Events.Event(Fixtures.Events.Record("INSERT", "k", 100, 1))));

        var result = await set.Functions[0].HandleAsync(invocation, Cancellation);

        var error = Assert.IsType<InvocationResult.Fail>(result).Error;
        Assert.Equal(ErrorTypes.UnknownSource, error.ErrorType);
        Assert.Contains("eventSourceARN", error.ErrorMessage, StringComparison.Ordinal);
        Assert.All([0, 1, 2], i => Assert.Empty(set.Regions[i].Items(MultiActiveDeployment.Table)));
    }

    [Fact]
    public async Task EventFromAPeersTable_IsRefusedAsTargetIsSource_AndWritesNothing()
    {
        // The function of us-east-1 (peers eu-west-1 and ap-southeast-2) fed by eu-west-1's stream: a mapping on the wrong table.
        var set = new MultiActiveDeployment();
        set.Put(1, "k", "v");
        var invocation = new Invocation("req-1", DateTimeOffset.UtcNow.AddSeconds(30), null, null, Encoding.UTF8.GetBytes(LambdaEvents.Of(set.Pending(1))));

        var result = await set.Functions[0].HandleAsync(invocation, Cancellation);

        var error = Assert.IsType<InvocationResult.Fail>(result).Error;
        Assert.Equal(ErrorTypes.TargetIsSource, error.ErrorType);
        Assert.Contains("eu-west-1:users is the source table", error.ErrorMessage, StringComparison.Ordinal);
        Assert.Null(set.MetadataOf(1, "k"));
        Assert.Null(set.Item(0, "k"));
    }

    [Fact]
    public async Task PeerInTheEventsOwnRegion_IsRefused_AndWritesNothing()
    {
        var region = new InMemoryRegion("us-east-1", () => DateTimeOffset.UnixEpoch.AddYears(56));
        region.CreateTable("users", "pk", stream: true);
        region.Apply(new TableWrite.Put("users", MultiActiveDeployment.KeyOf("k"), new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String("k") }, null));
        var function = new ReplicationFunction(
            new MultiActiveEngines(_ => region, [new TargetTable("us-east-1", "users-copy")], new MultiActiveSettings(), Fixtures.TestSettings.FastEngine, null, TimeProvider.System, new Random(1)),
            TimeProvider.System,
            TextWriter.Null);

        var result = await function.HandleAsync(new Invocation("req-1", null, null, null, Encoding.UTF8.GetBytes(LambdaEvents.Of(region.Stream("users")))), Cancellation);

        var error = Assert.IsType<InvocationResult.Fail>(result).Error;
        Assert.Equal(ErrorTypes.TargetIsSource, error.ErrorType);
        Assert.Contains("us-east-1:users-copy is in us-east-1", error.ErrorMessage, StringComparison.Ordinal);
        Assert.Single(region.Stream("users"));
    }

    [Theory]
    [InlineData("REPLICATION_MODE", "multi_active", "REPLICATION_MODE is 'multi_active'")]
    [InlineData("TOMBSTONE_RETENTION", "12h", "TOMBSTONE_RETENTION is '12h', less than the least, 25h")]
    [InlineData("TOMBSTONE_RETENTION", "a week", "TOMBSTONE_RETENTION is 'a week'; expected")]
    public async Task Run_MultiActiveConfigurationBad_PostsAnInitErrorNamingTheVariable(string variable, string value, string message)
    {
        await using var api = new RuntimeApiRecorder();
        var log = new StringWriter();
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AWS_LAMBDA_RUNTIME_API"] = api.Address,
            ["REPLICATION_TARGETS"] = "eu-west-1:users,ap-southeast-2:users",
            ["REPLICATION_MODE"] = "multi-active",
            [variable] = value,
        };

        var exit = await LambdaHost.RunAsync(name => environment.GetValueOrDefault(name), log, Cancellation);

        Assert.Equal(LambdaHost.Failed, exit);
        var post = api.Single("POST", "/2018-06-01/runtime/init/error");
        Assert.Equal("Replicator.ConfigurationError", post.Header("Lambda-Runtime-Function-Error-Type"));
        using var body = JsonDocument.Parse(post.Body);
        Assert.StartsWith(message, body.RootElement.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(api.Requests, request => request.Path.EndsWith("/next", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_MultiActivePeerInARegionThatDoesNotExist_PostsAConfigurationInitError()
    {
        await using var api = new RuntimeApiRecorder();

        var exit = await LambdaHost.RunAsync(
            Environment(("AWS_LAMBDA_RUNTIME_API", api.Address), ("REPLICATION_MODE", "multi-active"), ("REPLICATION_TARGETS", "eu-west-1:users,us-east-9:users")),
            TextWriter.Null,
            Cancellation);

        Assert.Equal(LambdaHost.Failed, exit);
        using var body = JsonDocument.Parse(api.Single("POST", "/2018-06-01/runtime/init/error").Body);
        Assert.Contains("'us-east-9' is not an AWS region", body.RootElement.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MultiActiveConfigured_Starts_AndStopsCleanlyWhenCancelled()
    {
        await using var api = new RuntimeApiRecorder();
        using var stop = new CancellationTokenSource();
        await stop.CancelAsync();

        var exit = await LambdaHost.RunAsync(
            Environment(("AWS_LAMBDA_RUNTIME_API", api.Address), ("REPLICATION_MODE", "multi-active"), ("REPLICATION_TARGETS", "eu-west-1:users,ap-southeast-2:users"), ("AWS_ENDPOINT_URL", "http://127.0.0.1:1")),
            TextWriter.Null,
            stop.Token);

        Assert.Equal(0, exit);
        Assert.DoesNotContain(api.Requests, request => request.Path.EndsWith("/init/error", StringComparison.Ordinal));
    }

    /// <summary>A region whose user table refuses, for good, every write to one key (as an IAM policy without that permission would).</summary>
    private sealed class RefusingTables(InMemoryRegion region, ItemKey refused) : IRegionTables
    {
        public bool Refuses { get; set; } = true;

        public string Region => region.Region;

        private Refusal Refusal => new(TargetErrorKind.Fatal, $"{region.Region}:users: AccessDeniedException: not authorized to write this item");

        private bool Refused(TableWrite write) => Refuses && write.Table == MultiActiveDeployment.Table && write.Key.Equals(refused);

        public Task<TableWriteOutcome> WriteAsync(TableWrite write, CancellationToken cancellationToken) =>
            Refused(write) ? Task.FromResult<TableWriteOutcome>(new TableWriteOutcome.Failed(Refusal)) : region.WriteAsync(write, cancellationToken);

        public Task<TransactionOutcome> TransactAsync(IReadOnlyList<TableWrite> writes, CancellationToken cancellationToken) =>
            writes.Any(Refused) ? Task.FromResult<TransactionOutcome>(new TransactionOutcome.Failed(Refusal)) : region.TransactAsync(writes, cancellationToken);

        public Task<TableReadOutcome> ReadAsync(string table, IReadOnlyList<ItemKey> keys, CancellationToken cancellationToken) => region.ReadAsync(table, keys, cancellationToken);
    }
}
