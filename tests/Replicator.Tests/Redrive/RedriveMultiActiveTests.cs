using Replicator.Applying;
using Replicator.Model;
using Replicator.MultiActive;
using Replicator.Redrive;
using Replicator.Tests.MultiActive;
using Replicator.Tests.Streams;
using Replicator.Tests.Verification;
using Replicator.Verification;

namespace Replicator.Tests.Redrive;

/// <summary>In multi-active mode a redrive writes through <see cref="GuardedCopyWriter"/>: a copy lands only where it is newer.</summary>
public sealed class RedriveMultiActiveTests
{
    private const string Table = "source";
    private const string Metadata = "_replication";
    private const string TargetRegion = "us-west-2";
    private static readonly DateTimeOffset Noon = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static ItemKey Key(string pk) => new(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String(pk) });

    private static ItemVersion Version(int second) => ItemVersion.Next(Noon.AddSeconds(second), null, "us-east-1", SequenceNumber.Parse($"{100_000 + second}"));

    private static Dictionary<string, DynamoValue> Versioned(string pk, string value, ItemVersion version)
    {
        var data = new Dictionary<string, DynamoValue>(StringComparer.Ordinal) { ["pk"] = DynamoValue.String(pk), ["val"] = DynamoValue.String(value) };
        data[Metadata] = new ReplicaMetadata(version, SeenVersions.None.With(version), ItemDigest.Of(data, Metadata), "us-east-1", false).ToValue();
        return data;
    }

    [Fact]
    public async Task Redrive_MultiActive_CopiesOnlyWhereNewer_AndNeverOverANewerVersion()
    {
        var source = new InMemoryTable("us-east-1", Table, new KeyAttribute("pk", "S", IsPartitionKey: true));
        source.Put(Versioned("older-there", "source v2", Version(2)));
        source.Put(Versioned("newer-there", "source v2", Version(2)));
        var region = new InMemoryRegion(TargetRegion, () => Noon);
        region.CreateTable(Table, "pk", stream: true);
        region.CreateTable(Replica.TombstonesOf(Table), Tombstone.KeyAttribute);
        region.Apply(new TableWrite.Put(Table, Key("older-there"), Versioned("older-there", "target v1", Version(1)), null));
        region.Apply(new TableWrite.Put(Table, Key("newer-there"), Versioned("newer-there", "target v3", Version(3)), null));
        var queue = new InMemoryLetterQueue();
        queue.Send(Letters.Dead($"{TargetRegion}:{Table}", "older-there", 501));
        queue.Send(Letters.Dead($"{TargetRegion}:{Table}", "newer-there", 502));
        var writer = new GuardedCopyWriter(new TargetTable(TargetRegion, Table), region, Metadata);
        var settings = new RedriveSettings { Source = source.Table, MultiActive = true };

        var report = await new Redriver(queue, source, [writer], new FakeStreamsApi(), settings, TimeProvider.System, new Random(1)).RunAsync(TestContext.Current.CancellationToken);

        Assert.True(report.Succeeded);
        Assert.Equal("source v2", region.Get(Table, Key("older-there"))!["val"].AsString());
        Assert.Equal(TargetRegion, ReplicaMetadata.Read(region.Get(Table, Key("older-there")), Metadata)!.WrittenIn);
        Assert.Equal("target v3", region.Get(Table, Key("newer-there"))!["val"].AsString());
        Assert.Equal((1L, 1L), (writer.Written, writer.Stood));
        Assert.Empty(queue.Bodies);
    }
}
