using System.Text.Json;
using Replicator.Model;
using Replicator.MultiActive;

namespace Replicator.Observability;

/// <summary>
/// Turns a <see cref="BatchReport"/> into log output: one structured JSON line per batch, and
/// CloudWatch embedded metric format (EMF) lines, which CloudWatch Logs turns into metrics; in
/// multi-active mode also one line per conflict found.
/// </summary>
public static class ReportLines
{
    public const string MetricNamespace = "DynamoDbReplicator";

    public static string LogLine(BatchReport report, string? requestId) => JsonText.Render(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("level", report.Succeeded ? "info" : "error");
        writer.WriteString("message", report.Succeeded ? "batch replicated" : "batch not fully replicated");
        if (requestId is not null)
        {
            writer.WriteString("requestId", requestId);
        }

        writer.WriteNumber("recordsIn", report.RecordsIn);
        writer.WriteNumber("keys", report.Keys);
        writer.WriteNumber("applied", report.RecordsApplied);
        writer.WriteNumber("skipped", report.RecordsSkipped);
        writer.WriteNumber("deadLettered", report.RecordsDeadLettered);
        writer.WriteNumber("failed", report.RecordsFailed);
        if (report.FirstFailure is { } first)
        {
            writer.WriteString("firstFailure", first.Value);
        }

        writer.WriteNumber("durationMs", Math.Round(report.Duration.TotalMilliseconds, 1));
        if (report.MultiActive is { } counts)
        {
            WriteMultiActive(writer, counts);
        }

        if (report.Errors.Count > 0)
        {
            writer.WriteStartArray("errors");
            foreach (var error in report.Errors)
            {
                writer.WriteStringValue(error);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    });

    /// <summary>
    /// One line per conflict of the batch (a write of this region that lost to a concurrent one):
    /// <c>{"level":"warn","message":"conflict","table","key","id","winner":{"version","origin","delete"},"loser":{…},"detectedIn"}</c>,
    /// the key as DynamoDB JSON, the id the one <c>replicator conflicts</c> lists it by.
    /// </summary>
    /// <summary>The multi-active counts as a JSON object <c>multiActive</c>, as the log line and the poller's summary give them.</summary>
    public static void WriteMultiActive(System.Text.Json.Utf8JsonWriter writer, MultiActive.MultiActiveCounts counts)
    {
        writer.WriteStartObject("multiActive");
        writer.WriteNumber("versioned", counts.Versioned);
        writer.WriteNumber("putBack", counts.PutBack);
        writer.WriteNumber("forwarded", counts.Forwarded);
        writer.WriteNumber("duplicates", counts.Duplicates);
        writer.WriteNumber("stale", counts.Stale);
        writer.WriteNumber("conflicts", counts.Conflicts);
        writer.WriteNumber("ownRecords", counts.OwnRecords);
        writer.WriteNumber("unchanged", counts.Unchanged);
        writer.WriteEndObject();
    }

    public static IEnumerable<string> ConflictLines(BatchReport report, string table) =>
        report.Conflicts.Select(conflict => JsonText.Render(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("level", "warn");
            writer.WriteString("message", "conflict");
            writer.WriteString("table", table);
            writer.WritePropertyName("key");
            DynamoJson.WriteItem(writer, conflict.Key.Attributes);
            writer.WriteString("id", conflict.Id);
            WriteSide(writer, "winner", conflict.Winner);
            WriteSide(writer, "loser", conflict.Loser);
            writer.WriteString("detectedIn", conflict.DetectedIn);
            writer.WriteEndObject();
        }));

    /// <summary>
    /// One line of record counts, and per target region the latency values, 100 to a line:
    /// <c>ReplicationLatency</c>, <c>RecordsApplied</c>, <c>RecordsFailed</c>, <c>RecordsDeadLettered</c>;
    /// in multi-active mode the counts line also has <c>Duplicates</c>, <c>StaleWrites</c> and
    /// <c>Forwarded</c>, and each pair of regions with conflicts a <c>ConflictsResolved</c> line
    /// (<c>SourceRegion</c>: the winner's origin; <c>TargetRegion</c>: where the loser was found).
    /// With a <paramref name="functionName"/>, every metric carries it as the <c>FunctionName</c>
    /// dimension, so that two deployments in one account and region keep their metrics (and
    /// alarms) apart.
    /// </summary>
    public static IEnumerable<string> MetricLines(BatchReport report, DateTimeOffset now, string? functionName = null)
    {
        var timestamp = now.ToUnixTimeMilliseconds();
        string[] counts = functionName is null ? [] : ["FunctionName"];
        string[] latency = functionName is null ? ["TargetRegion"] : ["FunctionName", "TargetRegion"];
        string[] pair = functionName is null ? ["SourceRegion", "TargetRegion"] : ["FunctionName", "SourceRegion", "TargetRegion"];
        (string, string)[] names = report.MultiActive is null
            ? [("RecordsApplied", "Count"), ("RecordsFailed", "Count"), ("RecordsDeadLettered", "Count")]
            : [("RecordsApplied", "Count"), ("RecordsFailed", "Count"), ("RecordsDeadLettered", "Count"), ("Duplicates", "Count"), ("StaleWrites", "Count"), ("Forwarded", "Count")];
        yield return JsonText.Render(writer =>
        {
            writer.WriteStartObject();
            WriteMetadata(writer, timestamp, counts, names);
            WriteFunctionName(writer, functionName);
            writer.WriteNumber("RecordsApplied", report.RecordsApplied);
            writer.WriteNumber("RecordsFailed", report.RecordsFailed);
            writer.WriteNumber("RecordsDeadLettered", report.RecordsDeadLettered);
            if (report.MultiActive is { } multiActive)
            {
                writer.WriteNumber("Duplicates", multiActive.Duplicates);
                writer.WriteNumber("StaleWrites", multiActive.Stale);
                writer.WriteNumber("Forwarded", multiActive.Forwarded);
            }

            writer.WriteEndObject();
        });

        var conflicts = report.Conflicts
            .GroupBy(conflict => (Source: conflict.Winner.Origin, Target: conflict.DetectedIn))
            .OrderBy(group => group.Key.Source, StringComparer.Ordinal)
            .ThenBy(group => group.Key.Target, StringComparer.Ordinal);
        foreach (var regions in conflicts)
        {
            yield return JsonText.Render(writer =>
            {
                writer.WriteStartObject();
                WriteMetadata(writer, timestamp, pair, ("ConflictsResolved", "Count"));
                WriteFunctionName(writer, functionName);
                writer.WriteString("SourceRegion", regions.Key.Source);
                writer.WriteString("TargetRegion", regions.Key.Target);
                writer.WriteNumber("ConflictsResolved", regions.Count());
                writer.WriteEndObject();
            });
        }

        foreach (var target in report.Latencies)
        {
            foreach (var values in target.Milliseconds.Chunk(ReplicationOptions.MaxValuesPerMetric))
            {
                yield return JsonText.Render(writer =>
                {
                    writer.WriteStartObject();
                    WriteMetadata(writer, timestamp, latency, ("ReplicationLatency", "Milliseconds"));
                    WriteFunctionName(writer, functionName);
                    writer.WriteString("TargetRegion", target.Region);
                    writer.WriteStartArray("ReplicationLatency");
                    foreach (var value in values)
                    {
                        writer.WriteNumberValue(Math.Round(value, 1));
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                });
            }
        }
    }

    private static void WriteSide(Utf8JsonWriter writer, string name, ConflictSide side)
    {
        writer.WriteStartObject(name);
        writer.WriteString("version", side.Version.Text);
        writer.WriteString("origin", side.Origin);
        writer.WriteBoolean("delete", side.IsDelete);
        writer.WriteEndObject();
    }

    private static void WriteFunctionName(Utf8JsonWriter writer, string? functionName)
    {
        if (functionName is not null)
        {
            writer.WriteString("FunctionName", functionName);
        }
    }

    private static void WriteMetadata(Utf8JsonWriter writer, long timestamp, string[] dimensions, params (string Name, string Unit)[] metrics)
    {
        writer.WriteStartObject("_aws");
        writer.WriteNumber("Timestamp", timestamp);
        writer.WriteStartArray("CloudWatchMetrics");
        writer.WriteStartObject();
        writer.WriteString("Namespace", MetricNamespace);
        writer.WriteStartArray("Dimensions");
        writer.WriteStartArray();
        foreach (var dimension in dimensions)
        {
            writer.WriteStringValue(dimension);
        }

        writer.WriteEndArray();
        writer.WriteEndArray();
        writer.WriteStartArray("Metrics");
        foreach (var (name, unit) in metrics)
        {
            writer.WriteStartObject();
            writer.WriteString("Name", name);
            writer.WriteString("Unit", unit);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
