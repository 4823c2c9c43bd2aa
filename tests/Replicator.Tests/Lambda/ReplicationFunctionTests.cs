using System.Text;
using System.Text.Json;
using Replicator.Applying;
using Replicator.Lambda;
using Replicator.Planning;
using Replicator.Tests.Applying;
using Replicator.Tests.Fixtures;

namespace Replicator.Tests.Lambda;

public sealed class ReplicationFunctionTests
{

    private readonly StringWriter _log = new();

    private const string FunctionArn = "arn:aws:lambda:us-east-1:123456789012:function:replicator";

    /// <summary>The stream ARN of the event's source table, us-east-1:source in the function's account.</summary>
    private const string SourceStream = "arn:aws:dynamodb:us-east-1:123456789012:table/source/stream/2026-01-01T00:00:00.000";

    private static readonly TargetTable Configured = new("us-west-2", "target");

    /// <summary>The function with <paramref name="target"/> as its one writer, configured (REPLICATION_TARGETS) as <paramref name="configured"/>.</summary>
    private ReplicationFunction Function(ITargetWriter target, params TargetTable[] configured) =>
        new(new ReplicationEngine([target], null, TestSettings.FastEngine, TimeProvider.System, new Random(7)), configured.Length > 0 ? configured : [Configured], TimeProvider.System, _log);

    private static Invocation Invoke(string json) =>
        new("req-1", DateTimeOffset.UtcNow.AddSeconds(30), FunctionArn, null, Encoding.UTF8.GetBytes(json));

    /// <summary>A record as Lambda delivers it, naming the stream it comes from.</summary>
    private static string FromSource(string eventName, string key, long sequenceNumber, int? version = null) =>
        Events.Record(eventName, key, sequenceNumber, version).Replace("\"eventSource\":", $"\"eventSourceARN\":\"{SourceStream}\",\"eventSource\":", StringComparison.Ordinal);

    private static string Json(BatchResponse response) =>
        Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(response, RuntimeApiJsonContext.Default.BatchResponse));

    private List<JsonElement> LogLines() =>
        [.. _log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement)];

    private static bool IsKey(WriteAction action, string key) => action.Key.Attributes["pk"].AsString() == key;

    [Fact]
    public async Task Handle_CleanBatch_RespondsWithAnEmptyFailureList()
    {
        var target = new InMemoryTarget();
        var result = await Function(target).HandleAsync(
            Invoke(Events.Event(Events.Record("INSERT", "a", 100, 1), Events.Record("MODIFY", "a", 101, 2), Events.Record("INSERT", "b", 102, 1))),
            TestContext.Current.CancellationToken);

        Assert.Equal("""{"batchItemFailures":[]}""", Json(Assert.IsType<InvocationResult.Respond>(result).Response));
        Assert.Equal(2, target.Items.Count);
    }

    [Fact]
    public async Task Handle_CleanBatch_WritesOneLogLineThenTheMetricLines()
    {
        var target = new InMemoryTarget();
        await Function(target).HandleAsync(Invoke(Events.Event(Events.Record("INSERT", "a", 100, 1))), TestContext.Current.CancellationToken);

        var lines = LogLines();
        Assert.True(lines.Count >= 2);
        Assert.Equal("info", lines[0].GetProperty("level").GetString());
        Assert.Equal("req-1", lines[0].GetProperty("requestId").GetString());
        Assert.Equal(1, lines[0].GetProperty("applied").GetInt32());
        Assert.All(lines.Skip(1), line => Assert.Equal("DynamoDbReplicator", line.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0].GetProperty("Namespace").GetString()));
    }

    [Fact]
    public async Task Handle_OneKeyRefusedWithoutDeadLetterQueue_RespondsWithItsEarliestSequenceNumber()
    {
        var target = new InMemoryTarget
        {
            Fault = actions => actions.Any(action => IsKey(action, "b")) ? throw new TargetRefuses(TargetErrorKind.Poison, "ValidationException: item too large") : [],
        };
        var result = await Function(target).HandleAsync(
            Invoke(Events.Event(Events.Record("INSERT", "a", 100, 1), Events.Record("INSERT", "b", 101, 1), Events.Record("MODIFY", "b", 102, 2))),
            TestContext.Current.CancellationToken);

        Assert.Equal("""{"batchItemFailures":[{"itemIdentifier":"101"}]}""", Json(Assert.IsType<InvocationResult.Respond>(result).Response));
        Assert.Equal("a", Assert.Single(target.Items).Key.Attributes["pk"].AsString());
        Assert.Equal("error", LogLines()[0].GetProperty("level").GetString());
    }

    [Theory]
    [InlineData("""{"nope":1}""")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"Records":{}}""")]
    [InlineData("")]
    public async Task Handle_MalformedEvent_FailsTheInvocation_AndLogsOneErrorLine(string json)
    {
        var target = new InMemoryTarget();
        var result = await Function(target).HandleAsync(Invoke(json), TestContext.Current.CancellationToken);

        var error = Assert.IsType<InvocationResult.Fail>(result).Error;
        Assert.Equal(ErrorTypes.MalformedEvent, error.ErrorType);
        Assert.False(string.IsNullOrWhiteSpace(error.ErrorMessage));
        var line = Assert.Single(LogLines());
        Assert.Equal(("error", "req-1", ErrorTypes.MalformedEvent), (line.GetProperty("level").GetString(), line.GetProperty("requestId").GetString(), line.GetProperty("errorType").GetString()));
    }

    [Fact]
    public async Task Handle_RecordFailsWithoutASequenceNumber_FailsTheWholeInvocation()
    {
        var target = new InMemoryTarget();
        var result = await Function(target).HandleAsync(Invoke("""{"Records":[{"eventID":"e1","eventName":"INSERT"}]}"""), TestContext.Current.CancellationToken);

        var error = Assert.IsType<InvocationResult.Fail>(result).Error;
        Assert.Equal(ErrorTypes.BatchFailed, error.ErrorType);
        Assert.Contains("Records[0]", error.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handle_UnexpectedException_FailsTheInvocationWithItsTypeAndStack()
    {
        // The engine contains a writer's failed writes; a writer broken beyond that still gets an answer.
        var result = await Function(new BrokenTarget()).HandleAsync(Invoke(Events.Event(Events.Record("INSERT", "a", 100, 1))), TestContext.Current.CancellationToken);

        var error = Assert.IsType<InvocationResult.Fail>(result).Error;
        Assert.Equal(ErrorTypes.Unexpected, error.ErrorType);
        Assert.Equal("InvalidOperationException: the writer broke", error.ErrorMessage);
        Assert.NotEmpty(error.StackTrace);
        var line = Assert.Single(LogLines());
        Assert.Contains("the writer broke", line.GetProperty("exception").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handle_NoDeadline_StillApplies()
    {
        var target = new InMemoryTarget();
        var invocation = Invoke(Events.Event(Events.Record("INSERT", "a", 100, 1))) with { Deadline = null };

        var result = await Function(target).HandleAsync(invocation, TestContext.Current.CancellationToken);

        Assert.Equal("""{"batchItemFailures":[]}""", Json(Assert.IsType<InvocationResult.Respond>(result).Response));
        Assert.Single(target.Items);
    }

    [Theory]
    [InlineData("arn:aws:dynamodb:us-east-1:123456789012:table/source")]
    [InlineData("us-east-1:source")]
    public async Task Handle_TargetIsTheEventsSourceTable_FailsNamingBoth_AndWritesNothing(string target)
    {
        var writer = new InMemoryTarget("us-east-1", "source");
        var result = await Function(writer, Configured, TargetTables.Parse(target)).HandleAsync(
            Invoke(Events.Event(FromSource("INSERT", "a", 100, 1))),
            TestContext.Current.CancellationToken);

        var error = Assert.IsType<InvocationResult.Fail>(result).Error;
        Assert.Equal(ErrorTypes.TargetIsSource, error.ErrorType);
        Assert.Contains($"{target} is the source table", error.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("arn:aws:dynamodb:us-east-1:123456789012:table/source", error.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains(LambdaConfiguration.TargetsVariable, error.ErrorMessage, StringComparison.Ordinal);
        Assert.Empty(writer.Items);
        Assert.Equal(0, writer.BatchRequests);
    }

    [Fact]
    public async Task Handle_OneTargetGivenTwoWays_FailsNamingBoth()
    {
        var writer = new InMemoryTarget();
        var result = await Function(writer, Configured, TargetTables.Parse("arn:aws:dynamodb:us-west-2:123456789012:table/target")).HandleAsync(
            Invoke(Events.Event(FromSource("INSERT", "a", 100, 1))),
            TestContext.Current.CancellationToken);

        var error = Assert.IsType<InvocationResult.Fail>(result).Error;
        Assert.Contains("us-west-2:target and arn:aws:dynamodb:us-west-2:123456789012:table/target are the same table", error.ErrorMessage, StringComparison.Ordinal);
        Assert.Empty(writer.Items);
    }

    [Fact]
    public async Task Handle_TargetOfTheSourcesNameInAnotherAccount_IsReplicated()
    {
        var writer = new InMemoryTarget("us-east-1", "source");
        var result = await Function(writer, TargetTables.Parse("arn:aws:dynamodb:us-east-1:210987654321:table/source")).HandleAsync(
            Invoke(Events.Event(FromSource("INSERT", "a", 100, 1))),
            TestContext.Current.CancellationToken);

        Assert.Equal("""{"batchItemFailures":[]}""", Json(Assert.IsType<InvocationResult.Respond>(result).Response));
        Assert.Single(writer.Items);
    }

    [Fact]
    public void BatchResponse_OfTheFirstFailure_IsTheDocumentedPartialBatchResponse()
    {
        Assert.Equal("""{"batchItemFailures":[]}""", Json(BatchResponse.For(null)));
        Assert.Equal(
            """{"batchItemFailures":[{"itemIdentifier":"4421584500000000017450439091"}]}""",
            Json(BatchResponse.For(Replicator.Model.SequenceNumber.Parse("4421584500000000017450439091"))));
    }

    /// <summary>A writer that cannot even say what it writes to.</summary>
    private sealed class BrokenTarget : ITargetWriter
    {
        public TargetTable Target => throw new InvalidOperationException("the writer broke");

        public Task<BatchOutcome> WriteBatchAsync(IReadOnlyList<WriteAction> actions, CancellationToken cancellationToken) => throw new InvalidOperationException("the writer broke");

        public Task<WriteOutcome> WriteOneAsync(WriteAction action, CancellationToken cancellationToken) => throw new InvalidOperationException("the writer broke");
    }
}
