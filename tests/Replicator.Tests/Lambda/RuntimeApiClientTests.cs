using System.Text;
using Replicator.Lambda;

namespace Replicator.Tests.Lambda;

public sealed class RuntimeApiClientTests
{
    private const string NextPath = "/2018-06-01/runtime/invocation/next";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static ScriptedAnswer NextAnswer(string body, params (string Name, string Value)[] headers) =>
        new(200, body, headers.ToDictionary(header => header.Name, header => header.Value));

    [Fact]
    public async Task NextInvocation_GetsTheNextPath_AndReadsTheEventAndEveryHeader()
    {
        await using var api = new RuntimeApiRecorder(_ => NextAnswer(
            """{"Records":[]}""",
            ("Lambda-Runtime-Aws-Request-Id", "8476a536-e9f4-11e8-9739-2dfe598c3fcd"),
            ("Lambda-Runtime-Deadline-Ms", "1542409706888"),
            ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-2:123456789012:function:replicator"),
            ("Lambda-Runtime-Trace-Id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1")));
        using var client = new RuntimeApiClient(api.Address);

        var invocation = await client.NextInvocationAsync(Cancellation);

        var request = Assert.Single(api.Requests);
        Assert.Equal(("GET", NextPath), (request.Method, request.Path));
        Assert.Equal("8476a536-e9f4-11e8-9739-2dfe598c3fcd", invocation.RequestId);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1542409706888), invocation.Deadline);
        Assert.Equal("arn:aws:lambda:us-east-2:123456789012:function:replicator", invocation.FunctionArn);
        Assert.Equal("Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1", invocation.TraceId);
        Assert.Equal("""{"Records":[]}""", Encoding.UTF8.GetString(invocation.Event.Span));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("soon")]
    [InlineData("-1")]
    [InlineData("99999999999999999999")]
    public async Task NextInvocation_DeadlineMissingOrUnreadable_HasNoDeadline(string? deadline)
    {
        var headers = deadline is null
            ? [("Lambda-Runtime-Aws-Request-Id", "r1")]
            : new[] { ("Lambda-Runtime-Aws-Request-Id", "r1"), ("Lambda-Runtime-Deadline-Ms", deadline) };
        await using var api = new RuntimeApiRecorder(_ => NextAnswer("{}", headers));
        using var client = new RuntimeApiClient(api.Address);

        var invocation = await client.NextInvocationAsync(Cancellation);

        Assert.Equal("r1", invocation.RequestId);
        Assert.Null(invocation.Deadline);
        Assert.Null(invocation.TraceId);
    }

    [Fact]
    public async Task NextInvocation_WithoutRequestId_ThrowsNamingTheHeader()
    {
        await using var api = new RuntimeApiRecorder(_ => NextAnswer("{}"));
        using var client = new RuntimeApiClient(api.Address);

        var error = await Assert.ThrowsAsync<RuntimeApiException>(() => client.NextInvocationAsync(Cancellation));

        Assert.Contains("Lambda-Runtime-Aws-Request-Id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NextInvocation_ErrorStatus_ThrowsWithTheStatusAndBody()
    {
        await using var api = new RuntimeApiRecorder(_ => new ScriptedAnswer(500, """{"errorType":"ServiceException"}"""));
        using var client = new RuntimeApiClient(api.Address);

        var error = await Assert.ThrowsAsync<RuntimeApiException>(() => client.NextInvocationAsync(Cancellation));

        Assert.Contains("500", error.Message, StringComparison.Ordinal);
        Assert.Contains("ServiceException", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NextInvocation_RuntimeApiUnreachable_ThrowsRuntimeApiException()
    {
        using var client = new RuntimeApiClient(RuntimeApiRecorder.ClosedAddress());

        await Assert.ThrowsAsync<RuntimeApiException>(() => client.NextInvocationAsync(Cancellation));
    }

    [Fact]
    public async Task Respond_PostsTheBodyAsJsonToTheInvocationsResponsePath()
    {
        await using var api = new RuntimeApiRecorder();
        using var client = new RuntimeApiClient(api.Address);
        var body = """{"batchItemFailures":[{"itemIdentifier":"4421584500000000017450439091"}]}"""u8.ToArray();

        await client.RespondAsync("8476a536-e9f4-11e8-9739-2dfe598c3fcd", body, Cancellation);

        var request = api.Single("POST", "/2018-06-01/runtime/invocation/8476a536-e9f4-11e8-9739-2dfe598c3fcd/response");
        Assert.Equal(body, request.Body);
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.Null(request.Header("Lambda-Runtime-Function-Error-Type"));
    }

    [Fact]
    public async Task Respond_RequestIdWithReservedCharacters_IsEscapedInThePath()
    {
        await using var api = new RuntimeApiRecorder();
        using var client = new RuntimeApiClient(api.Address);

        await client.RespondAsync("a/b c", "{}"u8.ToArray(), Cancellation);

        Assert.Equal("/2018-06-01/runtime/invocation/a%2Fb%20c/response", Assert.Single(api.Requests).Path);
    }

    [Fact]
    public async Task ReportInvocationError_PostsTheErrorDocumentAndTheErrorTypeHeader()
    {
        await using var api = new RuntimeApiRecorder();
        using var client = new RuntimeApiClient(api.Address);

        await client.ReportInvocationErrorAsync("r-7", FunctionError.Of("Replicator.MalformedEvent", "The event is \"odd\"."), Cancellation);

        var request = api.Single("POST", "/2018-06-01/runtime/invocation/r-7/error");
        Assert.Equal("Replicator.MalformedEvent", request.Header("Lambda-Runtime-Function-Error-Type"));
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.Equal("""{"errorMessage":"The event is \u0022odd\u0022.","errorType":"Replicator.MalformedEvent","stackTrace":[]}""", request.Text);
    }

    [Fact]
    public async Task ReportInitError_PostsTheErrorDocumentToTheInitErrorPath()
    {
        await using var api = new RuntimeApiRecorder();
        using var client = new RuntimeApiClient(api.Address);

        await client.ReportInitErrorAsync(new FunctionError("REPLICATION_TARGETS is not set", "Replicator.ConfigurationError", ["at Init()"]), Cancellation);

        var request = api.Single("POST", "/2018-06-01/runtime/init/error");
        Assert.Equal("Replicator.ConfigurationError", request.Header("Lambda-Runtime-Function-Error-Type"));
        Assert.Equal("""{"errorMessage":"REPLICATION_TARGETS is not set","errorType":"Replicator.ConfigurationError","stackTrace":["at Init()"]}""", request.Text);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(403)]
    [InlineData(413)]
    [InlineData(500)]
    public async Task Post_RefusedByTheRuntimeApi_ThrowsWithTheStatus(int status)
    {
        await using var api = new RuntimeApiRecorder(_ => new ScriptedAnswer(status, """{"errorMessage":"refused","errorType":"InvalidRequestID"}"""));
        using var client = new RuntimeApiClient(api.Address);

        var error = await Assert.ThrowsAsync<RuntimeApiException>(() => client.RespondAsync("r1", "{}"u8.ToArray(), Cancellation));

        Assert.Contains(status.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        Assert.Contains("InvalidRequestID", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_RuntimeApiUnreachable_ThrowsRuntimeApiException()
    {
        using var client = new RuntimeApiClient(RuntimeApiRecorder.ClosedAddress());

        await Assert.ThrowsAsync<RuntimeApiException>(() => client.ReportInitErrorAsync(FunctionError.Of("T", "m"), Cancellation));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("http://127.0.0.1:9001")]
    [InlineData("127.0.0.1:9001/path")]
    [InlineData("host name:1")]
    public void Constructor_NotHostAndPort_ThrowsFormatException(string address) =>
        Assert.Throws<FormatException>(() => new RuntimeApiClient(address));

    [Fact]
    public void Constructor_HostAndPort_AddressesVersion20180601()
    {
        using var client = new RuntimeApiClient("127.0.0.1:9001");

        Assert.Equal(new Uri("http://127.0.0.1:9001/2018-06-01/"), client.BaseAddress);
    }
}
