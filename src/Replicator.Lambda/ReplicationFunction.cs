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
/// Every invocation writes its lines to <c>log</c>: the batch's log line and metric (EMF) lines, or
/// one error line.
/// </summary>
internal sealed class ReplicationFunction(ReplicationEngine engine, IReadOnlyList<TargetTable> targets, TimeProvider time, TextWriter log, string? functionName = null)
{
    /// <summary>Builds the AWS writers, the dead-letter sink and the engine, once for the life of the process.</summary>
    public static ReplicationFunction Create(LambdaConfiguration configuration, AwsClients clients, TimeProvider time, Random random, TextWriter log)
    {
        var targets = configuration.Targets
            .Select(ITargetWriter (target) => new DynamoDbTargetWriter(clients.DynamoDb(target.Region), target))
            .ToList();
        var deadLetters = configuration.DeadLetterQueue is { } queue ? new SqsDeadLetterSink(clients.Sqs(queue.Region), queue.Url) : null;
        return new ReplicationFunction(new ReplicationEngine(targets, deadLetters, configuration.Settings, time, random), configuration.Targets, time, log, configuration.FunctionName);
    }

    public async Task<InvocationResult> HandleAsync(Invocation invocation, CancellationToken cancellationToken)
    {
        try
        {
            var deadline = invocation.Deadline ?? time.GetUtcNow() + ReplicationOptions.MaxFunctionTimeout;
            var batch = StreamEventParser.Parse(invocation.Event);
            if (TargetIsSource(batch, invocation) is { } refused)
            {
                return Fail(invocation, FunctionError.Of(ErrorTypes.TargetIsSource, refused));
            }

            var report = await engine.ProcessAsync(batch, deadline, cancellationToken).ConfigureAwait(false);
            log.WriteLine(ReportLines.LogLine(report, invocation.RequestId));
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
        catch (MalformedEventException e)
        {
            return Fail(invocation, FunctionError.Of(ErrorTypes.MalformedEvent, e.Message));
        }
        catch (Exception e)
        {
            return Fail(invocation, FunctionError.Unexpected(ErrorTypes.Unexpected, e), e);
        }
    }

    private InvocationResult Fail(Invocation invocation, FunctionError error, Exception? exception = null)
    {
        log.WriteLine(HostLog.Error("invocation failed", invocation.RequestId, error, exception));
        return new InvocationResult.Fail(error);
    }

    /// <summary>
    /// Why this batch must not be written, if a target is the table whose stream the event comes
    /// from (<c>eventSourceARN</c>), or one table is a target twice. A target given as
    /// <c>region:table</c> is in the function's own account (from its ARN), else in the source's.
    /// </summary>
    private string? TargetIsSource(ParsedBatch batch, Invocation invocation)
    {
        if (batch.Records.Select(record => TableIdentity.FromArn(record.EventSourceArn)).FirstOrDefault(identity => identity is not null) is not { } source)
        {
            return null;
        }

        var account = invocation.FunctionArn?.Split(':') is ["arn", _, "lambda", _, { Length: > 0 } own, ..] ? own : source.Account;
        var resolved = targets.Select(target => new ResolvedTable(target, TableIdentity.FromArn(target.Arn) ?? source with { Account = account, Region = target.Region, Name = target.TableName })).ToList();
        try
        {
            Topology.Check(new ResolvedTable(new TargetTable(source.Region, source.Name, source.ToString()), source), resolved);
            return null;
        }
        catch (TopologyException e)
        {
            return $"{LambdaConfiguration.TargetsVariable}: {e.Message} The event comes from the stream of {source}; nothing of this batch was written. Fix {LambdaConfiguration.TargetsVariable}, or the event source mapping.";
        }
    }
}
