using System.Text.Json;
using Replicator.Lambda;
using Replicator.Tests.Applying;
using Replicator.Tests.Fixtures;

namespace Replicator.Tests.Lambda;

public sealed class LambdaHostTests
{
    private const string NextPath = "/2018-06-01/runtime/invocation/next";

    private readonly StringWriter _log = new();

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    /// <summary>A runtime API whose next invocation is <paramref name="json"/> as request <c>req-1</c>; posts are accepted.</summary>
    private static RuntimeApiRecorder OneInvocation(string json, string? traceId = null) => new(request => request.Path == NextPath
        ? new ScriptedAnswer(200, json, new Dictionary<string, string>
        {
            ["Lambda-Runtime-Aws-Request-Id"] = "req-1",
            ["Lambda-Runtime-Deadline-Ms"] = DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Lambda-Runtime-Trace-Id"] = traceId ?? "Root=1-00000000-000000000000000000000000",
        })
        : ScriptedAnswer.Accepted);

    private LambdaHost Host(RuntimeApiClient runtime, InMemoryTarget target) =>
        new(runtime, new ReplicationFunction(new ReplicationEngine([target], null, new ReplicationSettings(), TimeProvider.System, new Random(7)), [target.Target], TimeProvider.System, _log), _log);

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables)
    {
        var values = variables.ToDictionary(variable => variable.Name, variable => variable.Value, StringComparer.Ordinal);
        return name => values.GetValueOrDefault(name);
    }

    [Fact]
    public async Task ServeOne_CleanBatch_PostsThePartialBatchResponse()
    {
        await using var api = OneInvocation(Events.Event(Events.Record("INSERT", "a", 100, 1)));
        using var runtime = new RuntimeApiClient(api.Address);
        var target = new InMemoryTarget();

        await Host(runtime, target).ServeOneAsync(Cancellation);

        Assert.Equal("""{"batchItemFailures":[]}""", api.Single("POST", "/2018-06-01/runtime/invocation/req-1/response").Text);
        Assert.Single(target.Items);
    }

    [Fact]
    public async Task ServeOne_SetsTheTraceIdForTheAwsSdk()
    {
        const string trace = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1";
        await using var api = OneInvocation(Events.Event(Events.Record("INSERT", "a", 100, 1)), trace);
        using var runtime = new RuntimeApiClient(api.Address);

        await Host(runtime, new InMemoryTarget()).ServeOneAsync(Cancellation);

        Assert.Equal(trace, System.Environment.GetEnvironmentVariable("_X_AMZN_TRACE_ID"));
    }

    [Fact]
    public async Task ServeOne_MalformedEvent_PostsAnInvocationErrorWithItsType()
    {
        await using var api = OneInvocation("""{"nope":1}""");
        using var runtime = new RuntimeApiClient(api.Address);

        await Host(runtime, new InMemoryTarget()).ServeOneAsync(Cancellation);

        var post = api.Single("POST", "/2018-06-01/runtime/invocation/req-1/error");
        Assert.Equal("Replicator.MalformedEvent", post.Header("Lambda-Runtime-Function-Error-Type"));
        using var body = JsonDocument.Parse(post.Body);
        Assert.Equal("Replicator.MalformedEvent", body.RootElement.GetProperty("errorType").GetString());
        Assert.Contains("Records", body.RootElement.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Array, body.RootElement.GetProperty("stackTrace").ValueKind);
        Assert.DoesNotContain(api.Requests, request => request.Path.EndsWith("/response", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ServeOne_AnswerRefused_IsLoggedAndTheLoopGoesOn()
    {
        await using var api = new RuntimeApiRecorder(request => request.Path == NextPath
            ? new ScriptedAnswer(200, Events.Event(Events.Record("INSERT", "a", 100, 1)), new Dictionary<string, string> { ["Lambda-Runtime-Aws-Request-Id"] = "req-1" })
            : new ScriptedAnswer(400, """{"errorType":"InvalidRequestID"}"""));
        using var runtime = new RuntimeApiClient(api.Address);

        await Host(runtime, new InMemoryTarget()).ServeOneAsync(Cancellation);

        Assert.Contains("could not post the answer to invocation req-1", _log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BadConfiguration_PostsAnInitErrorNamingTheVariable_AndFails()
    {
        await using var api = new RuntimeApiRecorder();

        var exit = await LambdaHost.RunAsync(Environment(("AWS_LAMBDA_RUNTIME_API", api.Address), ("REPLICATION_TARGETS", "nonsense")), _log, Cancellation);

        Assert.Equal(LambdaHost.Failed, exit);
        var post = api.Single("POST", "/2018-06-01/runtime/init/error");
        Assert.Equal("Replicator.ConfigurationError", post.Header("Lambda-Runtime-Function-Error-Type"));
        using var body = JsonDocument.Parse(post.Body);
        Assert.StartsWith("REPLICATION_TARGETS is not valid", body.RootElement.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(api.Requests, request => request.Path == NextPath);
        Assert.Contains("\"message\":\"initialization failed\"", _log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NoRuntimeApi_FailsWithoutPostingAnything()
    {
        var exit = await LambdaHost.RunAsync(Environment(("REPLICATION_TARGETS", "us-west-2:users")), _log, Cancellation);

        Assert.Equal(LambdaHost.NoRuntimeApi, exit);
        Assert.Contains("AWS_LAMBDA_RUNTIME_API is not set", _log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_RuntimeApiGoneAway_StopsAndFails()
    {
        await using var api = new RuntimeApiRecorder(_ => new ScriptedAnswer(500, "gone"));

        var exit = await LambdaHost.RunAsync(
            Environment(("AWS_LAMBDA_RUNTIME_API", api.Address), ("REPLICATION_TARGETS", "us-west-2:users"), ("AWS_ENDPOINT_URL", "http://127.0.0.1:1")),
            _log,
            Cancellation);

        Assert.Equal(LambdaHost.Failed, exit);
        Assert.Contains("the runtime API failed; stopping", _log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Cancelled_StopsCleanly()
    {
        await using var api = new RuntimeApiRecorder();
        using var stop = new CancellationTokenSource();
        await stop.CancelAsync();

        var exit = await LambdaHost.RunAsync(
            Environment(("AWS_LAMBDA_RUNTIME_API", api.Address), ("REPLICATION_TARGETS", "us-west-2:users"), ("AWS_ENDPOINT_URL", "http://127.0.0.1:1")),
            _log,
            stop.Token);

        Assert.Equal(0, exit);
    }
}
