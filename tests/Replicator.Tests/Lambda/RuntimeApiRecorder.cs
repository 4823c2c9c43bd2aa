using System.Net;
using System.Text;
using Replicator.TestSupport;

namespace Replicator.Tests.Lambda;

/// <summary>One HTTP request as the stand-in received it.</summary>
internal sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>What the stand-in answers to one request.</summary>
internal sealed record ScriptedAnswer(int Status, string Body = "", IReadOnlyDictionary<string, string>? Headers = null)
{
    public static readonly ScriptedAnswer Accepted = new(202, """{"status":"OK"}""");
}

/// <summary>
/// A tiny stand-in for the Lambda runtime API on a free 127.0.0.1 port: it records every request
/// (method, path, headers, body) and answers as <c>answer</c> says (by default 202 Accepted), so a
/// test can check exactly what a client sent.
/// </summary>
internal sealed class RuntimeApiRecorder : IAsyncDisposable
{
    private readonly Func<RecordedRequest, ScriptedAnswer> _answer;
    private readonly List<RecordedRequest> _requests = [];
    private readonly LoopbackHttpServer _server;

    public RuntimeApiRecorder(Func<RecordedRequest, ScriptedAnswer>? answer = null)
    {
        _answer = answer ?? (_ => ScriptedAnswer.Accepted);
        _server = new LoopbackHttpServer(AnswerAsync);
    }

    /// <summary>The runtime API address as Lambda gives it in <c>AWS_LAMBDA_RUNTIME_API</c>.</summary>
    public string Address => _server.Address;

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public RecordedRequest Single(string method, string path) =>
        Assert.Single(Requests, request => request.Method == method && request.Path == path);

    /// <summary>An address where nothing listens: for the runtime API gone away.</summary>
    public static string ClosedAddress() => $"127.0.0.1:{LoopbackHttpServer.FreePort()}";

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var body = await LoopbackHttpServer.ReadBodyAsync(context.Request);
        var headers = context.Request.Headers.AllKeys
            .Where(name => name is not null)
            .ToDictionary(name => name!, name => context.Request.Headers[name] ?? "", StringComparer.OrdinalIgnoreCase);
        var request = new RecordedRequest(context.Request.HttpMethod, context.Request.RawUrl ?? "", headers, body);
        lock (_requests)
        {
            _requests.Add(request);
        }

        var answer = _answer(request);
        await LoopbackHttpServer.RespondAsync(context, answer.Status, answer.Headers ?? new Dictionary<string, string>(), Encoding.UTF8.GetBytes(answer.Body));
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
    }
}
