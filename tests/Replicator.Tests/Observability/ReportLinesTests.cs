using System.Text.Json;
using Replicator.Model;
using Replicator.MultiActive;
using Replicator.Observability;

namespace Replicator.Tests.Observability;

public sealed class ReportLinesTests
{
    private static readonly BatchReport Report = new(
        RecordsIn: 300, Keys: 250, RecordsApplied: 290, RecordsSkipped: 2, RecordsDeadLettered: 3, RecordsFailed: 5,
        FirstFailure: null, Errors: [], Latencies: [new TargetLatency("us-west-2", Enumerable.Range(0, 250).Select(i => (double)i).ToList())], Duration: TimeSpan.FromMilliseconds(12));

    private static JsonElement Metadata(JsonElement line) => line.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0];

    [Fact]
    public void MetricLines_WithAFunctionName_CarryItAsADimension_SoDeploymentsKeepTheirAlarmsApart()
    {
        var lines = ReportLines.MetricLines(Report, DateTimeOffset.UnixEpoch, "users-replication-replicator").Select(line => JsonDocument.Parse(line).RootElement).ToList();

        var counts = lines[0];
        Assert.Equal("DynamoDbReplicator", Metadata(counts).GetProperty("Namespace").GetString());
        Assert.Equal(["FunctionName"], Metadata(counts).GetProperty("Dimensions")[0].EnumerateArray().Select(d => d.GetString()));
        Assert.Equal("users-replication-replicator", counts.GetProperty("FunctionName").GetString());
        Assert.Equal(5, counts.GetProperty("RecordsFailed").GetInt32());
        Assert.Equal(3, counts.GetProperty("RecordsDeadLettered").GetInt32());
        Assert.Equal(290, counts.GetProperty("RecordsApplied").GetInt32());

        var latency = lines.Skip(1).ToList();
        Assert.Equal(3, latency.Count); // 250 values, at most 100 a line.
        Assert.All(latency, line =>
        {
            Assert.Equal(["FunctionName", "TargetRegion"], Metadata(line).GetProperty("Dimensions")[0].EnumerateArray().Select(d => d.GetString()));
            Assert.Equal("us-west-2", line.GetProperty("TargetRegion").GetString());
            Assert.InRange(line.GetProperty("ReplicationLatency").GetArrayLength(), 1, 100);
        });
        Assert.Equal(250, latency.Sum(line => line.GetProperty("ReplicationLatency").GetArrayLength()));
    }

    [Fact]
    public void MetricLines_WithoutAFunctionName_HaveNoFunctionDimension()
    {
        var counts = JsonDocument.Parse(ReportLines.MetricLines(Report, DateTimeOffset.UnixEpoch).First()).RootElement;
        Assert.Equal(0, Metadata(counts).GetProperty("Dimensions")[0].GetArrayLength());
        Assert.False(counts.TryGetProperty("FunctionName", out _));
    }

    private static readonly ItemKey Key = new(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String("k") });

    private static ConflictSide Side(string region, long seconds, long sequence, bool delete = false) => new(
        ItemVersion.Next(DateTimeOffset.FromUnixTimeSeconds(seconds), null, region, SequenceNumber.Parse(sequence.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        delete ? null : new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String("k"), ["val"] = DynamoValue.String(region) });

    /// <summary>Three conflicts found in eu-west-1: two lost to us-east-1's writes, one to ap-southeast-2's delete.</summary>
    private static readonly BatchReport MultiActiveReport = Report with
    {
        MultiActive = new MultiActiveCounts { Versioned = 4, PutBack = 1, Forwarded = 8, Duplicates = 2, Stale = 3, Conflicts = 3, OwnRecords = 5, Unchanged = 1 },
        Conflicts =
        [
            new Conflict(Key, Side("us-east-1", 1_800_000_010, 300), Side("eu-west-1", 1_800_000_010, 200), "eu-west-1", DateTimeOffset.UnixEpoch),
            new Conflict(Key, Side("us-east-1", 1_800_000_020, 500), Side("eu-west-1", 1_800_000_019, 400), "eu-west-1", DateTimeOffset.UnixEpoch),
            new Conflict(Key, Side("ap-southeast-2", 1_800_000_030, 700, delete: true), Side("eu-west-1", 1_800_000_029, 600), "eu-west-1", DateTimeOffset.UnixEpoch),
        ],
    };

    private static List<JsonElement> Lines(IEnumerable<string> lines) => [.. lines.Select(line => JsonDocument.Parse(line).RootElement)];

    private static string[] MetricNames(JsonElement line) =>
        [.. Metadata(line).GetProperty("Metrics").EnumerateArray().Select(metric => metric.GetProperty("Name").GetString()!)];

    [Fact]
    public void MetricLines_OneWay_HaveNoMultiActiveMetrics()
    {
        var lines = Lines(ReportLines.MetricLines(Report, DateTimeOffset.UnixEpoch, "f"));

        Assert.Equal(["RecordsApplied", "RecordsFailed", "RecordsDeadLettered"], MetricNames(lines[0]));
        Assert.False(lines[0].TryGetProperty("Duplicates", out _));
        Assert.DoesNotContain(lines, line => line.TryGetProperty("ConflictsResolved", out _));
    }

    [Fact]
    public void MetricLines_MultiActive_CountDuplicatesStaleWritesAndForwarded_BesideTheRecordCounts()
    {
        var counts = Lines(ReportLines.MetricLines(MultiActiveReport, DateTimeOffset.UnixEpoch, "f"))[0];

        Assert.Equal(["RecordsApplied", "RecordsFailed", "RecordsDeadLettered", "Duplicates", "StaleWrites", "Forwarded"], MetricNames(counts));
        Assert.Equal((2, 3, 8), (counts.GetProperty("Duplicates").GetInt32(), counts.GetProperty("StaleWrites").GetInt32(), counts.GetProperty("Forwarded").GetInt32()));
    }

    [Fact]
    public void MetricLines_MultiActive_CountConflictsPerWinnersOriginAndLosersRegion()
    {
        var conflicts = Lines(ReportLines.MetricLines(MultiActiveReport, DateTimeOffset.UnixEpoch, "f"))
            .Where(line => line.TryGetProperty("ConflictsResolved", out _))
            .ToList();

        Assert.All(conflicts, line =>
        {
            Assert.Equal(["FunctionName", "SourceRegion", "TargetRegion"], Metadata(line).GetProperty("Dimensions")[0].EnumerateArray().Select(d => d.GetString()));
            Assert.Equal(["ConflictsResolved"], MetricNames(line));
        });
        Assert.Equal(
            [("ap-southeast-2", "eu-west-1", 1), ("us-east-1", "eu-west-1", 2)],
            conflicts.Select(line => (line.GetProperty("SourceRegion").GetString(), line.GetProperty("TargetRegion").GetString(), line.GetProperty("ConflictsResolved").GetInt32())));
    }

    [Fact]
    public void LogLine_MultiActive_CarriesTheCounts_AndOneWayDoesNot()
    {
        var line = JsonDocument.Parse(ReportLines.LogLine(MultiActiveReport, "req-1")).RootElement.GetProperty("multiActive");

        Assert.Equal(
            (4, 1, 8, 2, 3, 3, 5, 1),
            (line.GetProperty("versioned").GetInt32(), line.GetProperty("putBack").GetInt32(), line.GetProperty("forwarded").GetInt32(), line.GetProperty("duplicates").GetInt32(),
                line.GetProperty("stale").GetInt32(), line.GetProperty("conflicts").GetInt32(), line.GetProperty("ownRecords").GetInt32(), line.GetProperty("unchanged").GetInt32()));
        Assert.False(JsonDocument.Parse(ReportLines.LogLine(Report, "req-1")).RootElement.TryGetProperty("multiActive", out _));
    }

    [Fact]
    public void ConflictLines_OnePerConflict_NameTheTableKeyIdWinnerLoserAndWhereFound()
    {
        var lines = Lines(ReportLines.ConflictLines(MultiActiveReport, "users"));

        Assert.Equal(3, lines.Count);
        var third = MultiActiveReport.Conflicts[2];
        var line = lines[2];
        Assert.Equal("conflict", line.GetProperty("message").GetString());
        Assert.Equal("users", line.GetProperty("table").GetString());
        Assert.Equal("""{"pk":{"S":"k"}}""", line.GetProperty("key").GetRawText());
        Assert.Equal(third.Id, line.GetProperty("id").GetString());
        Assert.Equal("eu-west-1", line.GetProperty("detectedIn").GetString());
        var winner = line.GetProperty("winner");
        Assert.Equal((third.Winner.Version.Text, "ap-southeast-2", true), (winner.GetProperty("version").GetString(), winner.GetProperty("origin").GetString(), winner.GetProperty("delete").GetBoolean()));
        var loser = line.GetProperty("loser");
        Assert.Equal((third.Loser.Version.Text, "eu-west-1", false), (loser.GetProperty("version").GetString(), loser.GetProperty("origin").GetString(), loser.GetProperty("delete").GetBoolean()));
        Assert.Empty(ReportLines.ConflictLines(Report, "users"));
    }
}
