using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Replicator.TestSupport;

namespace Replicator.IntegrationTests.CrossAccount;

/// <summary>One request as the proxy saw it: the operation, and the access key id it was signed with (the Credential= of its Authorization header).</summary>
public sealed record SignedRequest(string Operation, string AccessKeyId);

/// <summary>An answer the proxy gives instead of forwarding.</summary>
public sealed record CannedAnswer(int Status, string ContentType, string Body);

/// <summary>
/// A proxy in front of moto that records who signed each request, for what moto does not check:
/// which credentials a request was signed with. <see cref="Answer"/> may refuse a request instead
/// of forwarding it (STS denying a role, a table denying a principal).
/// </summary>
public sealed partial class RecordingProxy : IAsyncDisposable
{
    private readonly HttpClient _upstream = new();
    private readonly string _target;
    private readonly LoopbackHttpServer _server;
    private readonly List<SignedRequest> _log = [];

    public RecordingProxy(string targetEndpoint)
    {
        _target = targetEndpoint.TrimEnd('/');
        _server = new LoopbackHttpServer(HandleAsync);
    }

    public string Endpoint => _server.Url;

    public Func<SignedRequest, CannedAnswer?> Answer { get; set; } = _ => null;

    public IReadOnlyList<SignedRequest> Log
    {
        get
        {
            lock (_log)
            {
                return [.. _log];
            }
        }
    }

    /// <summary>STS's refusal of AssumeRole, as STS words it (query protocol, XML).</summary>
    public static CannedAnswer StsAccessDenied(string roleArn) => new(
        403,
        "text/xml",
        $"<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/testing is not authorized to perform: sts:AssumeRole on resource: {roleArn}</Message></Error><RequestId>denied-1</RequestId></ErrorResponse>");

    /// <summary>DynamoDB's refusal of a request its principal may not make.</summary>
    public static CannedAnswer DynamoDbAccessDenied(string principal) => new(
        400,
        "application/x-amz-json-1.0",
        $"{{\"__type\":\"com.amazon.coral.service#AccessDeniedException\",\"message\":\"User: {principal} is not authorized to perform: dynamodb:BatchWriteItem\"}}");

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            var body = await LoopbackHttpServer.ReadBodyAsync(context.Request);
            var request = new SignedRequest(OperationOf(context.Request, body), AccessKeyOf(context.Request.Headers["Authorization"]));
            lock (_log)
            {
                _log.Add(request);
            }

            if (Answer(request) is { } canned)
            {
                await LoopbackHttpServer.RespondAsync(context, canned.Status, [KeyValuePair.Create("Content-Type", canned.ContentType)], Encoding.UTF8.GetBytes(canned.Body));
                return;
            }

            using var forward = new HttpRequestMessage(new HttpMethod(context.Request.HttpMethod), _target + context.Request.RawUrl) { Content = new ByteArrayContent(body) };
            foreach (var name in context.Request.Headers.AllKeys.OfType<string>())
            {
                if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (!forward.Headers.TryAddWithoutValidation(name, context.Request.Headers[name]!))
                {
                    forward.Content.Headers.TryAddWithoutValidation(name, context.Request.Headers[name]!);
                }
            }

            using var response = await _upstream.SendAsync(forward);
            var answer = await response.Content.ReadAsByteArrayAsync();
            var headers = response.Headers.Concat(response.Content.Headers)
                .Where(h => h.Key is not ("Content-Length" or "Transfer-Encoding" or "Connection" or "Server" or "Date"))
                .Select(h => KeyValuePair.Create(h.Key, string.Join(",", h.Value)));
            await LoopbackHttpServer.RespondAsync(context, (int)response.StatusCode, headers, answer);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away; nothing to answer.
        }
    }

    /// <summary>The X-Amz-Target's operation (JSON protocols), else the query protocol's Action (STS).</summary>
    private static string OperationOf(HttpListenerRequest request, byte[] body)
    {
        var target = request.Headers["X-Amz-Target"];
        if (target is not null)
        {
            return target[(target.IndexOf('.', StringComparison.Ordinal) + 1)..];
        }

        var action = ActionPattern().Match(Encoding.UTF8.GetString(body));
        return action.Success ? action.Groups[1].Value : request.RawUrl ?? "";
    }

    private static string AccessKeyOf(string? authorization) =>
        authorization is not null && CredentialPattern().Match(authorization) is { Success: true } match ? match.Groups[1].Value : "(unsigned)";

    [GeneratedRegex("Credential=([^/]+)/")]
    private static partial Regex CredentialPattern();

    [GeneratedRegex("(?:^|&)Action=([A-Za-z]+)")]
    private static partial Regex ActionPattern();

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _upstream.Dispose();
    }
}
