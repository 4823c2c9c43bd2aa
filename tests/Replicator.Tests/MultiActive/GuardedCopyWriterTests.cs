using Replicator.Applying;
using Replicator.Backfill;
using Replicator.Model;
using Replicator.MultiActive;
using Replicator.Planning;
using Replicator.Tests.Verification;
using Replicator.Verification;

namespace Replicator.Tests.MultiActive;

/// <summary>
/// The copy into a region that joins a multi-active set, on an in-memory region: it never
/// overwrites a newer version, never brings back a deleted item, copies items without a version
/// only into missing items, and keeps the writer's contract where a copy has one.
/// </summary>
public sealed class GuardedCopyWriterTests
{
    private const string Table = "users";
    private const string Metadata = "_replication";
    private const string Joining = "sa-east-1";

    private static readonly DateTimeOffset Noon = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly InMemoryRegion _region = NewRegion();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static InMemoryRegion NewRegion()
    {
        var region = new InMemoryRegion(Joining, () => Noon);
        region.CreateTable(Table, "pk", stream: true);
        region.CreateTable(Replica.TombstonesOf(Table), Tombstone.KeyAttribute);
        return region;
    }

    private GuardedCopyWriter Writer(IRegionTables? tables = null, int maxConcurrentWrites = 8) =>
        new(new TargetTable(Joining, Table), tables ?? _region, Metadata, maxConcurrentWrites);

    private static ItemKey Key(string pk) => new(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String(pk) });

    private static ItemVersion Version(int second, string region = "us-east-1") =>
        ItemVersion.Next(Noon.AddSeconds(second), null, region, SequenceNumber.Parse($"{100_000 + second}"));

    private static Dictionary<string, DynamoValue> Data(string pk, string value) =>
        new(StringComparer.Ordinal) { ["pk"] = DynamoValue.String(pk), ["val"] = DynamoValue.String(value) };

    /// <summary>An item as a region of the set holds it: its data, versioned there.</summary>
    private static Dictionary<string, DynamoValue> Versioned(string pk, string value, ItemVersion version, bool deleted = false)
    {
        var data = Data(pk, value);
        var metadata = new ReplicaMetadata(version, SeenVersions.None.With(version), deleted ? null : ItemDigest.Of(data, Metadata), "us-east-1", deleted);
        data[Metadata] = metadata.ToValue();
        return data;
    }

    private static WriteAction Copy(IReadOnlyDictionary<string, DynamoValue> item) => WriteAction.Copy(Key(item["pk"].AsString()), item);

    private void Hold(IReadOnlyDictionary<string, DynamoValue> item) => _region.Apply(new TableWrite.Put(Table, Key(item["pk"].AsString()), item, null));

    private void Tomb(string pk, ItemVersion version) =>
        _region.Apply(new TableWrite.Put(Replica.TombstonesOf(Table), Tombstone.KeyOf(Key(pk)), new Tombstone(Key(pk), version, SeenVersions.None.With(version), Noon.AddDays(7)).ToItem(), null));

    private IReadOnlyDictionary<string, DynamoValue>? Stored(string pk) => _region.Get(Table, Key(pk));

    private static string? ValueOf(IReadOnlyDictionary<string, DynamoValue>? item) => item?["val"].AsString();

    private static ReplicaMetadata? MetadataOf(IReadOnlyDictionary<string, DynamoValue>? item) => ReplicaMetadata.Read(item, Metadata);

    [Fact]
    public async Task Copy_OfAVersionIntoAMissingItem_IsWritten_AsWrittenToTheJoiningRegion()
    {
        var writer = Writer();
        var item = Versioned("k", "a", Version(1));

        Assert.IsType<WriteOutcome.Written>(await writer.WriteOneAsync(Copy(item), Token));

        var stored = MetadataOf(Stored("k"));
        Assert.Equal("a", ValueOf(Stored("k")));
        Assert.Equal((Version(1), Joining, ItemDigest.Of(item, Metadata)), (stored!.Version, stored.WrittenIn, stored.Digest));
        Assert.Equal((1, 0), (writer.Written, writer.Stood));

        // The joining region's replicator knows the copy's record as the replicator's own: it is never forwarded back.
        Assert.Equal(RecordOrigin.Replicator, RecordOrigins.Of(_region.Stream(Table).Single(), Joining, Metadata));
    }

    [Fact]
    public async Task Copy_OverANewerVersion_LeavesTheNewerVersion_AndCountsAsWritten()
    {
        Hold(Versioned("k", "newer", Version(5, "eu-west-1")));
        var writer = Writer();

        Assert.IsType<WriteOutcome.Written>(await writer.WriteOneAsync(Copy(Versioned("k", "older", Version(3))), Token));

        Assert.Equal("newer", ValueOf(Stored("k")));
        Assert.Equal((0, 1), (writer.Written, writer.Stood));
    }

    [Fact]
    public async Task Copy_OfTheSameVersionAgain_LeavesItAsItIs()
    {
        Hold(Versioned("k", "a", Version(3)));
        var records = _region.Stream(Table).Count;

        Assert.IsType<WriteOutcome.Written>(await Writer().WriteOneAsync(Copy(Versioned("k", "a", Version(3))), Token));

        Assert.Equal(records, _region.Stream(Table).Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Copy_OverAnOlderVersion_OrAnItemWithoutOne_ReplacesIt(bool olderHasVersion)
    {
        Hold(olderHasVersion ? Versioned("k", "older", Version(1)) : Data("k", "from before the table joined"));

        Assert.IsType<WriteOutcome.Written>(await Writer().WriteOneAsync(Copy(Versioned("k", "newer", Version(4))), Token));

        Assert.Equal("newer", ValueOf(Stored("k")));
        Assert.Equal(Version(4), MetadataOf(Stored("k"))!.Version);
    }

    [Theory]
    [InlineData(9, "eu-west-1")]
    [InlineData(4, "us-east-1")]
    public async Task Copy_OfAVersionDeletedHereAlready_DoesNotBringItBack(int deletedAtSecond, string deletedIn)
    {
        // The delete reached the joining region first (a tombstone, the item gone); the copy read the
        // item before it was deleted. A delete of the very version the copy carries wins too.
        Tomb("k", Version(deletedAtSecond, deletedIn));
        var writer = Writer();

        Assert.IsType<WriteOutcome.Written>(await writer.WriteOneAsync(Copy(Versioned("k", "a", Version(4))), Token));

        Assert.Null(Stored("k"));
        Assert.Equal((0, 1), (writer.Written, writer.Stood));
    }

    [Fact]
    public async Task Copy_OfAVersionNewerThanTheTombstone_IsWritten()
    {
        Tomb("k", Version(2, "eu-west-1"));

        await Writer().WriteOneAsync(Copy(Versioned("k", "reinserted", Version(6))), Token);

        Assert.Equal("reinserted", ValueOf(Stored("k")));
    }

    [Fact]
    public async Task Copy_OfAnItemWithoutVersion_IntoAMissingItemWithoutTombstone_IsWrittenAsItIs()
    {
        var item = Data("k", "from before the table joined");

        await Writer().WriteOneAsync(Copy(item), Token);

        Assert.True(DynamoValue.MapsEqual(item, Stored("k")!), "the copy changed the item");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Copy_OfAnItemWithoutVersion_NeverReplacesAnItem(bool standingHasVersion)
    {
        Hold(standingHasVersion ? Versioned("k", "replicated", Version(1)) : Data("k", "replicated"));
        var writer = Writer();

        Assert.IsType<WriteOutcome.Written>(await writer.WriteOneAsync(Copy(Data("k", "from before the table joined")), Token));

        Assert.Equal("replicated", ValueOf(Stored("k")));
        Assert.Equal((0, 1), (writer.Written, writer.Stood));
    }

    [Fact]
    public async Task Copy_OfAnItemWithoutVersion_StaysOutOfAnItemDeletedHere_HoweverOldTheDelete()
    {
        Tomb("k", Version(-3600, "eu-west-1"));

        await Writer().WriteOneAsync(Copy(Data("k", "from before the table joined")), Token);

        Assert.Null(Stored("k"));
    }

    [Fact]
    public async Task Copy_OfAnItemMarkedForDeletion_IsNotCopied()
    {
        var writer = Writer();

        Assert.IsType<WriteOutcome.Written>(await writer.WriteOneAsync(Copy(Versioned("k", "a", Version(2), deleted: true)), Token));

        Assert.Null(Stored("k"));
        Assert.Empty(_region.Stream(Table));
        Assert.Equal(1, writer.Stood);
    }

    [Fact]
    public async Task Copy_WhenTheItemIsDeletedBetweenItsTwoTries_GoesIntoTheMissingItem()
    {
        Hold(Versioned("k", "older", Version(1)));
        var deleted = false;
        _region.BeforeWrite = write =>
        {
            // The copy read the item there, so it puts over it; the item goes just before that put.
            if (write is TableWrite.Put { Table: Table, Condition: Condition.Both } && !deleted)
            {
                deleted = true;
                _region.Apply(new TableWrite.Delete(Table, Key("k"), null));
            }
        };

        Assert.IsType<WriteOutcome.Written>(await Writer().WriteOneAsync(Copy(Versioned("k", "newer", Version(4))), Token));

        Assert.True(deleted);
        Assert.Equal("newer", ValueOf(Stored("k")));
    }

    [Fact]
    public async Task Copy_WhenAnOlderVersionAppearsBetweenTheReadAndTheInsert_PutsOverIt()
    {
        var appeared = false;
        _region.BeforeWrite = write =>
        {
            if (write is TableWrite.Put { Table: Table, Condition: Condition.AttributeMissing } && !appeared)
            {
                appeared = true;
                Hold(Versioned("k", "older", Version(1)));
            }
        };

        await Writer().WriteOneAsync(Copy(Versioned("k", "newer", Version(4))), Token);

        Assert.True(appeared);
        Assert.Equal("newer", ValueOf(Stored("k")));
    }

    [Fact]
    public async Task WriteBatch_OfCopiesTheTargetHoldsNewer_ReadsOnly_AndWritesNothing()
    {
        Hold(Versioned("a", "newer", Version(9)));
        Hold(Data("b", "replicated"));
        Tomb("c", Version(9));
        var counted = new CountingTables(_region);

        await Writer(counted).WriteBatchAsync([Copy(Versioned("a", "older", Version(1))), Copy(Data("b", "old")), Copy(Versioned("c", "deleted", Version(2)))], Token);

        Assert.Equal(0, counted.Writes);
        Assert.Equal(("newer", "replicated", null), (ValueOf(Stored("a")), ValueOf(Stored("b")), ValueOf(Stored("c"))));
    }

    [Fact]
    public async Task WriteBatch_OfTheMostItemsARequestTakes_WritesEach_AtMostTheBoundInFlight()
    {
        var gate = new CountingTables(_region);
        var writer = Writer(gate, maxConcurrentWrites: 3);
        var actions = Enumerable.Range(0, ReplicationOptions.MaxBatchWriteItems).Select(i => Copy(Versioned($"k{i}", $"{i}", Version(i)))).ToList();

        var outcome = Assert.IsType<BatchOutcome.Written>(await writer.WriteBatchAsync(actions, Token));

        Assert.Empty(outcome.Unprocessed);
        Assert.All(actions, action => Assert.NotNull(_region.Get(Table, action.Key)));
        Assert.InRange(gate.MostInFlight, 1, 3);
    }

    [Fact]
    public async Task WriteBatch_EveryAttributeType_RoundTrips()
    {
        var item = new Dictionary<string, DynamoValue>(StringComparer.Ordinal)
        {
            ["pk"] = DynamoValue.String("all"),
            ["s"] = DynamoValue.String("text ü 😀"),
            ["n"] = DynamoValue.Number("-12345678901234567890123456789012345678"),
            ["b"] = DynamoValue.Binary([0, 1, 254, 255]),
            ["t"] = DynamoValue.True,
            ["null"] = DynamoValue.Null,
            ["m"] = DynamoValue.Map(new Dictionary<string, DynamoValue> { ["inner"] = DynamoValue.List([DynamoValue.Number("1"), DynamoValue.String("x")]) }),
            ["ss"] = DynamoValue.StringSet(["a", "b"]),
            ["ns"] = DynamoValue.NumberSet(["1", "2.5"]),
            ["bs"] = DynamoValue.BinarySet([[1], [2, 3]]),
        };

        await Writer().WriteBatchAsync([Copy(item)], Token);

        Assert.True(DynamoValue.MapsEqual(item, Stored("all")!), $"stored {DynamoJson.ToJson(Stored("all")!)}");
    }

    [Fact]
    public async Task WriteBatch_ARetryableRefusal_LeavesThatCopyUnprocessed_AndTheOthersWritten()
    {
        var flaky = new CountingTables(_region) { Refuse = write => write is TableWrite.Put { Key: var key } && key.Equals(Key("b")) };
        var actions = new[] { Copy(Versioned("a", "1", Version(1))), Copy(Versioned("b", "2", Version(2))) };

        var outcome = Assert.IsType<BatchOutcome.Written>(await Writer(flaky).WriteBatchAsync(actions, Token));

        Assert.Equal(new[] { actions[1] }, outcome.Unprocessed);
        Assert.NotNull(Stored("a"));
        Assert.Null(Stored("b"));
    }

    [Fact]
    public async Task WriteBatch_TableThatDoesNotExist_IsRefusedAsFatal_NamingIt()
    {
        var writer = new GuardedCopyWriter(new TargetTable(Joining, "missing"), _region, Metadata);

        var refusal = Assert.IsType<BatchOutcome.Failed>(await writer.WriteBatchAsync([Copy(Versioned("a", "1", Version(1)))], Token)).Refusal;

        Assert.Equal(TargetErrorKind.Fatal, refusal.Kind);
        Assert.Contains("missing", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteOne_ADelete_IsRefusedAsFatal_ACopyHasNone()
    {
        var refusal = Assert.IsType<WriteOutcome.Failed>(await Writer().WriteOneAsync(WriteAction.Remove(Key("k")), Token)).Refusal;

        Assert.Equal(TargetErrorKind.Fatal, refusal.Kind);
        Assert.Contains("delete", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writes_Cancelled_Throw_RatherThanReportAnOutcome()
    {
        var writer = Writer();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.WriteBatchAsync([Copy(Data("a", "1"))], cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.WriteOneAsync(Copy(Data("a", "1")), cancelled.Token));
        Assert.Null(Stored("a"));
    }

    [Fact]
    public void Writer_ForTablesOfAnotherRegion_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => new GuardedCopyWriter(new TargetTable("eu-west-1", Table), _region, Metadata));

        Assert.Contains("eu-west-1", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The backfiller, unchanged, drives the guarded writer: a copy alone, with no stream position and no checkpoint.</summary>
    [Fact]
    public async Task Backfill_WithoutAStream_CopiesThroughTheGuards_AndLeavesNoCheckpoint()
    {
        var directory = Directory.CreateTempSubdirectory("guarded-copy-").FullName;
        try
        {
            var source = new InMemoryTable("us-east-1", Table, new KeyAttribute("pk", "S", IsPartitionKey: true));
            for (var i = 0; i < 30; i++)
            {
                var item = i % 3 == 0 ? Data($"k{i}", $"{i}") : Versioned($"k{i}", $"{i}", Version(i));
                source.Items[Key($"k{i}")] = item;
            }

            Hold(Versioned("k1", "newer here", Version(100, "eu-west-1")));
            Tomb("k2", Version(50, "eu-west-1"));
            var writer = Writer();
            var checkpoint = Path.Combine(directory, "copy");
            var backfiller = new Backfiller(source, [writer], null, TimeProvider.System, new Random(3), _ => { });

            var result = await backfiller.RunAsync(new BackfillRequest(source.Table, [writer.Target], 4, checkpoint), "no stream", Token);

            Assert.Equal(30, result.ItemsCopied);
            Assert.Equal((28, 2), (writer.Written, writer.Stood));
            Assert.Equal("newer here", ValueOf(Stored("k1")));
            Assert.Null(Stored("k2"));
            Assert.Equal("3", ValueOf(Stored("k3")));
            Assert.Empty(Directory.GetFiles(directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Counts the writes in flight at once; <see cref="Refuse"/> answers a write with a retryable refusal instead.</summary>
    private sealed class CountingTables(IRegionTables inner) : IRegionTables
    {
        private int _inFlight;
        private int _most;
        private int _writes;

        /// <summary>Writes and transactions made (reads not counted).</summary>
        public int Writes => Volatile.Read(ref _writes);

        public Func<TableWrite, bool> Refuse { get; init; } = _ => false;

        public int MostInFlight => Volatile.Read(ref _most);

        public string Region => inner.Region;

        public Task<TableWriteOutcome> WriteAsync(TableWrite write, CancellationToken cancellationToken) =>
            Refuse(write)
                ? Task.FromResult<TableWriteOutcome>(new TableWriteOutcome.Failed(new Refusal(TargetErrorKind.Retryable, "throttled")))
                : CountAsync(() => inner.WriteAsync(write, cancellationToken));

        public Task<TransactionOutcome> TransactAsync(IReadOnlyList<TableWrite> writes, CancellationToken cancellationToken) =>
            writes.Any(Refuse)
                ? Task.FromResult<TransactionOutcome>(new TransactionOutcome.Failed(new Refusal(TargetErrorKind.Retryable, "throttled")))
                : CountAsync(() => inner.TransactAsync(writes, cancellationToken));

        public Task<TableReadOutcome> ReadAsync(string table, IReadOnlyList<ItemKey> keys, CancellationToken cancellationToken) => inner.ReadAsync(table, keys, cancellationToken);

        private async Task<T> CountAsync<T>(Func<Task<T>> call)
        {
            Interlocked.Increment(ref _writes);
            var now = Interlocked.Increment(ref _inFlight);
            InterlockedMax(now);
            try
            {
                // Long enough for the other writes of the batch to pile up if nothing bounds them.
                await Task.Delay(5, CancellationToken.None);
                return await call();
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }

        private void InterlockedMax(int value)
        {
            int most;
            while (value > (most = Volatile.Read(ref _most)) && Interlocked.CompareExchange(ref _most, value, most) != most)
            {
            }
        }
    }
}
