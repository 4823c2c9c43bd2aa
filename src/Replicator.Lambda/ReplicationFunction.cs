using Replicator.Applying;
using Replicator.Aws;
using Replicator.Observability;
using Replicator.Parsing;

namespace Replicator.Lambda;

/// <summary>What an invocation comes to: a response for Lambda, or an error that makes Lambda retry the whole batch.</summary>
internal abstract record InvocationResult
{
    private InvocationResult()
    {
    }

    public sealed record Respond(BatchResponse Response) : InvocationResult;

    public sealed record Fail(FunctionError Error) : InvocationResult;
}

/// <summary>
/// The function: a DynamoDB Streams event in, through the engine, and out as a partial batch
/// response naming the earliest record not durable (or none). An event that cannot be handled
/// at all, or a failure whose place in the stream is unknown, becomes an invocation error. It never
/// throws: whatever happens, the invocation gets an answer and the host goes on to the next.
/// Every invocation writes its lines to <c>log</c>: the batch's log line, one line per conflict
/// found (multi-active), and the metric (EMF) lines; or one error line.
/// </summary>
internal sealed class ReplicationFunction(IEngineSource engines, TimeProvider time, TextWriter log, string? functionName = null)
{
    /// <summary>One-way replication with one engine to <paramref name="targets"/>.</summary>
    public ReplicationFunction(ReplicationEngine engine, IReadOnlyList<TargetTable> targets, TimeProvider time, TextWriter log, string? functionName = null)
        : this(new OneWayEngines(engine, targets), time, log, functionName)
    {
    }

    /// <summary>Builds the AWS writers (one-way) or region tables (multi-active), the dead-letter sink and the engine, once for the life of the process.</summary>
    public static ReplicationFunction Create(LambdaConfiguration configuration, AwsClients clients, TimeProvider time, Random random, TextWriter log)
    {
        var deadLetters = configuration.DeadLetterQueue is { } queue ? new SqsDeadLetterSink(clients.Sqs(queue.Region), queue.Url) : null;
        if (configuration.MultiActive is { } multiActive)
        {
            var engines = new MultiActiveEngines(
                clients.RegionTables, configuration.Targets, multiActive, configuration.Settings, deadLetters, time, random, clients.RegionTables);
            return new ReplicationFunction(engines.Prepared(), time, log, configuration.FunctionName);
        }

        var targets = configuration.Targets
            .Select(clients.Writer)
            .ToList();
        return new ReplicationFunction(new ReplicationEngine(targets, deadLetters, configuration.Settings, time, random, configuration.Selection), configuration.Targets, time, log, configuration.FunctionName);
    }

    public async Task<InvocationResult> HandleAsync(Invocation invocation, CancellationToken cancellationToken)
    {
        try
        {
            var deadline = invocation.Deadline ?? time.GetUtcNow() + ReplicationOptions.MaxFunctionTimeout;
            var batch = StreamEventParser.Parse(invocation.Event);
            return engines.For(batch, invocation) switch
            {
                EngineChoice.Ready ready => await RunAsync(invocation, batch, ready, deadline, cancellationToken).ConfigureAwait(false),
                EngineChoice.Refused refused => Fail(invocation, refused.Error),
                var other => throw new InvalidOperationException($"an engine choice of an unknown kind: {other}"),
            };
        }
        catch (MalformedEventException e)
        {
            return Fail(invocation, FunctionError.Of(ErrorTypes.MalformedEvent, e.Message));
        }
        catch (Exception e)
        {
            return Fail(invocation, FunctionError.Unexpected(ErrorTypes.Unexpected, e), e);
        }
    }

    private async Task<InvocationResult> RunAsync(Invocation invocation, ParsedBatch batch, EngineChoice.Ready ready, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var report = await ready.Engine.ProcessAsync(batch, deadline, cancellationToken).ConfigureAwait(false);
        log.WriteLine(ReportLines.LogLine(report, invocation.RequestId));
        if (ready.LocalTable is { } table)
        {
            foreach (var line in ReportLines.ConflictLines(report, table))
            {
                log.WriteLine(line);
            }
        }

        foreach (var line in ReportLines.MetricLines(report, time.GetUtcNow(), functionName))
        {
            log.WriteLine(line);
        }

        if (report.FailedWithoutPosition)
        {
            var errors = report.Errors.Count > 0 ? string.Join("; ", report.Errors) : "no error recorded";
            return Fail(invocation, FunctionError.Of(
                ErrorTypes.BatchFailed,
                $"{report.RecordsFailed} record(s) failed and the failure has no sequence number to report, so the whole batch is to be retried: {errors}"));
        }

        return new InvocationResult.Respond(BatchResponse.For(report.FirstFailure));
    }

    private InvocationResult Fail(Invocation invocation, FunctionError error, Exception? exception = null)
    {
        log.WriteLine(HostLog.Error("invocation failed", invocation.RequestId, error, exception));
        return new InvocationResult.Fail(error);
    }
}
