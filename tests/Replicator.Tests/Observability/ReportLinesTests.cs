using System.Text.Json;
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
}
