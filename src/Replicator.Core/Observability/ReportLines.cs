using System.Text.Json;

namespace Replicator.Observability;

/// <summary>
/// Turns a <see cref="BatchReport"/> into log output: one structured JSON line per batch, and
/// CloudWatch embedded metric format (EMF) lines, which CloudWatch Logs turns into metrics.
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
    /// One line of record counts, and per target region the latency values, 100 to a line:
    /// <c>ReplicationLatency</c>, <c>RecordsApplied</c>, <c>RecordsFailed</c>, <c>RecordsDeadLettered</c>.
    /// With a <paramref name="functionName"/>, every metric carries it as the <c>FunctionName</c>
    /// dimension, so that two deployments in one account and region keep their metrics (and
    /// alarms) apart.
    /// </summary>
    public static IEnumerable<string> MetricLines(BatchReport report, DateTimeOffset now, string? functionName = null)
    {
        var timestamp = now.ToUnixTimeMilliseconds();
        string[] counts = functionName is null ? [] : ["FunctionName"];
        string[] latency = functionName is null ? ["TargetRegion"] : ["FunctionName", "TargetRegion"];
        yield return JsonText.Render(writer =>
        {
            writer.WriteStartObject();
            WriteMetadata(writer, timestamp, counts, ("RecordsApplied", "Count"), ("RecordsFailed", "Count"), ("RecordsDeadLettered", "Count"));
            WriteFunctionName(writer, functionName);
            writer.WriteNumber("RecordsApplied", report.RecordsApplied);
            writer.WriteNumber("RecordsFailed", report.RecordsFailed);
            writer.WriteNumber("RecordsDeadLettered", report.RecordsDeadLettered);
            writer.WriteEndObject();
        });

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
