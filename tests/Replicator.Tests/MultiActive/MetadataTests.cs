using Replicator.Model;
using Replicator.MultiActive;

namespace Replicator.Tests.MultiActive;

/// <summary>The metadata, its digest, and what a record says about who wrote it.</summary>
public sealed class MetadataTests
{
    private const string Attribute = ReplicationOptions.DefaultMetadataAttribute;

    private static readonly ItemVersion Version = ItemVersion.Next(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), null, "us-east-1", SequenceNumber.Parse("7"));

    private static Dictionary<string, DynamoValue> Item(params (string Name, DynamoValue Value)[] attributes) =>
        attributes.ToDictionary(pair => pair.Name, pair => pair.Value);

    [Fact]
    public void Digest_IsTheSame_ForEveryWayDynamoDbSpellsOneItem()
    {
        var written = Item(
            ("pk", DynamoValue.String("k")),
            ("n", DynamoValue.Number("1E+3")),
            ("ss", DynamoValue.StringSet(["b", "a"])),
            ("m", DynamoValue.Map(new Dictionary<string, DynamoValue> { ["y"] = DynamoValue.Number("2"), ["x"] = DynamoValue.True })));
        var asAwsGivesItBack = Item(
            ("m", DynamoValue.Map(new Dictionary<string, DynamoValue> { ["x"] = DynamoValue.True, ["y"] = DynamoValue.Number("2.0") })),
            ("ss", DynamoValue.StringSet(["a", "b"])),
            ("n", DynamoValue.Number("1000")),
            ("pk", DynamoValue.String("k")),
            (Attribute, new ReplicaMetadata(Version, SeenVersions.Of([Version]), "x", "us-east-1").ToValue()));

        Assert.Equal(ItemDigest.Of(written, Attribute), ItemDigest.Of(asAwsGivesItBack, Attribute));
    }

    [Fact]
    public void Digest_OfAnItemOfEveryType_IsTheOneTablesAlreadyHold()
    {
        // Digests are stored in every replicated item's metadata: a change of how they are
        // computed would make every stored item look changed by its application.
        var item = Item(
            ("pk", DynamoValue.String("k")),
            ("n", DynamoValue.Number("-1.50E+3")),
            ("b", DynamoValue.Binary([0, 1, 2])),
            ("t", DynamoValue.True),
            ("z", DynamoValue.Null),
            ("m", DynamoValue.Map(new Dictionary<string, DynamoValue> { ["l"] = DynamoValue.List([DynamoValue.String("ü"), DynamoValue.False]) })),
            ("ss", DynamoValue.StringSet(["b", "a"])),
            ("ns", DynamoValue.NumberSet(["10", "1E0"])),
            ("bs", DynamoValue.BinarySet([[9], [8]])));

        Assert.Equal("QaB5etkAWPS3aGfHoauK3w", ItemDigest.Of(item, Attribute));
    }

    [Fact]
    public void Digest_Differs_WhenAnyValueOrTypeDiffers()
    {
        var digest = ItemDigest.Of(Item(("pk", DynamoValue.String("k")), ("v", DynamoValue.String("1"))), Attribute);
        Assert.NotEqual(digest, ItemDigest.Of(Item(("pk", DynamoValue.String("k")), ("v", DynamoValue.Number("1"))), Attribute));
        Assert.NotEqual(digest, ItemDigest.Of(Item(("pk", DynamoValue.String("k")), ("v", DynamoValue.String("2"))), Attribute));
        Assert.NotEqual(digest, ItemDigest.Of(Item(("pk", DynamoValue.String("k")), ("w", DynamoValue.String("1"))), Attribute));
        Assert.NotEqual(digest, ItemDigest.Of(Item(("pk", DynamoValue.String("k")), ("v", DynamoValue.List([DynamoValue.String("1")]))), Attribute));
    }

    [Fact]
    public void Metadata_ReadsBackAsWritten_AndWhatIsNotOursReadsAsNone()
    {
        var other = ItemVersion.Next(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), Version, "eu-west-1", SequenceNumber.Parse("9"));
        var metadata = new ReplicaMetadata(other, SeenVersions.Of([Version, other]), "digest", "ap-southeast-2", Deleted: true);

        var read = ReplicaMetadata.Read(Item((Attribute, metadata.ToValue())), Attribute)!;

        Assert.Equal(metadata.Version, read.Version);
        Assert.Equal(metadata.Seen, read.Seen);
        Assert.Equal(("digest", "ap-southeast-2", true), (read.Digest, read.WrittenIn, read.Deleted));
        Assert.Null(ReplicaMetadata.Read(Item((Attribute, DynamoValue.String("mine"))), Attribute));
        Assert.Null(ReplicaMetadata.Read(Item((Attribute, DynamoValue.Map(new Dictionary<string, DynamoValue> { ["v"] = DynamoValue.String("not a version"), ["in"] = DynamoValue.String("us-east-1") }))), Attribute));
    }

    private static ChangeRecord Record(ChangeKind kind, IReadOnlyDictionary<string, DynamoValue>? old, IReadOnlyDictionary<string, DynamoValue>? now) =>
        new("e", kind, SequenceNumber.Parse("10"), new ItemKey(Item(("pk", DynamoValue.String("k")))), now, old, DateTimeOffset.FromUnixTimeSeconds(1_700_000_001), "us-east-1", null, StreamViewType.NewAndOldImages, 0, false, ReadOnlyMemory<byte>.Empty);

    private static Dictionary<string, DynamoValue> Stamped(string value, ItemVersion version, string writtenIn, string? digestOf = null)
    {
        var data = Item(("pk", DynamoValue.String("k")), ("val", DynamoValue.String(value)));
        var digest = ItemDigest.Of(digestOf is null ? data : Item(("pk", DynamoValue.String("k")), ("val", DynamoValue.String(digestOf))), Attribute);
        data[Attribute] = new ReplicaMetadata(version, SeenVersions.Of([version]), digest, writtenIn).ToValue();
        return data;
    }

    [Fact]
    public void Origin_OfTheReplicatorsWrite_IsKnownFromTheRecord()
    {
        var later = ItemVersion.Next(DateTimeOffset.FromUnixTimeSeconds(1_700_000_005), Version, "eu-west-1", SequenceNumber.Parse("3"));
        var record = Record(ChangeKind.Modify, Stamped("a", Version, "us-east-1"), Stamped("b", later, "us-east-1"));

        Assert.Equal(RecordOrigin.Replicator, RecordOrigins.Of(record, "us-east-1", Attribute));
    }

    [Fact]
    public void Origin_OfAnApplicationThatCopiedTheMetadataButChangedTheData_IsTheApplication()
    {
        var later = ItemVersion.Next(DateTimeOffset.FromUnixTimeSeconds(1_700_000_005), Version, "eu-west-1", SequenceNumber.Parse("3"));
        var record = Record(ChangeKind.Modify, Stamped("a", Version, "us-east-1"), Stamped("changed", later, "us-east-1", digestOf: "b"));

        Assert.Equal(RecordOrigin.Application, RecordOrigins.Of(record, "us-east-1", Attribute));
    }

    [Fact]
    public void Origin_OfAnItemCarriedFromAnotherRegionsTable_IsTheApplication()
    {
        var later = ItemVersion.Next(DateTimeOffset.FromUnixTimeSeconds(1_700_000_005), Version, "eu-west-1", SequenceNumber.Parse("3"));
        var record = Record(ChangeKind.Modify, Stamped("a", Version, "us-east-1"), Stamped("b", later, "eu-west-1"));

        Assert.Equal(RecordOrigin.Application, RecordOrigins.Of(record, "us-east-1", Attribute));
    }

    [Fact]
    public void Origin_OfAReadModifyWriteThatKeptAnOlderVersion_IsTheApplication()
    {
        var later = ItemVersion.Next(DateTimeOffset.FromUnixTimeSeconds(1_700_000_005), Version, "eu-west-1", SequenceNumber.Parse("3"));
        var record = Record(ChangeKind.Modify, Stamped("b", later, "us-east-1"), Stamped("a", Version, "us-east-1"));

        Assert.Equal(RecordOrigin.Application, RecordOrigins.Of(record, "us-east-1", Attribute));
    }

    [Fact]
    public void Origin_OfAWriteThatChangedNothing_IsUnchanged_AndADeleteIsTheReplicatorsOnlyWithItsOwnMark()
    {
        var item = Stamped("a", Version, "us-east-1");
        Assert.Equal(RecordOrigin.Unchanged, RecordOrigins.Of(Record(ChangeKind.Modify, item, item), "us-east-1", Attribute));

        var marked = Item(("pk", DynamoValue.String("k")), ("val", DynamoValue.String("a")));
        marked[Attribute] = new ReplicaMetadata(Version, SeenVersions.Of([Version]), null, "us-east-1", Deleted: true).ToValue();
        Assert.Equal(RecordOrigin.Replicator, RecordOrigins.Of(Record(ChangeKind.Remove, marked, null), "us-east-1", Attribute));
        Assert.Equal(RecordOrigin.Application, RecordOrigins.Of(Record(ChangeKind.Remove, marked, null), "eu-west-1", Attribute));
        Assert.Equal(RecordOrigin.Application, RecordOrigins.Of(Record(ChangeKind.Remove, item, null), "us-east-1", Attribute));
    }

    [Fact]
    public void ConflictItem_ReadsBack_WithBothImages_AndAStableId()
    {
        var key = new ItemKey(Item(("pk", DynamoValue.String("k"))));
        var winner = new ConflictSide(ItemVersion.Next(DateTimeOffset.FromUnixTimeSeconds(1_700_000_002), null, "eu-west-1", SequenceNumber.Parse("4")), Item(("pk", DynamoValue.String("k")), ("val", DynamoValue.String("w"))));
        var loser = new ConflictSide(Version, null);
        var found = new Conflict(key, winner, loser, "us-east-1", DateTimeOffset.FromUnixTimeSeconds(1_700_000_100));

        var read = ConflictItems.FromItem(ConflictItems.ToItem(found, TimeSpan.FromDays(90)))!;

        Assert.Equal(found.Id, read.Id);
        Assert.Equal(found.Id, new Conflict(key, winner, loser, "us-east-1", DateTimeOffset.FromUnixTimeSeconds(1_700_009_999)).Id);
        Assert.Equal((winner.Version, false, "w"), (read.Winner.Version, read.Winner.IsDelete, read.Winner.Image![("val")].AsString()));
        Assert.Equal((loser.Version, true), (read.Loser.Version, read.Loser.IsDelete));
        Assert.Equal(("us-east-1", found.DetectedAt), (read.DetectedIn, read.DetectedAt));
    }
}
