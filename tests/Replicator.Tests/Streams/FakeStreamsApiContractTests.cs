using Replicator.Streams;
using Replicator.TestSupport.Contracts;

namespace Replicator.Tests.Streams;

/// <summary>The Streams contract, kept by the in-memory fake the poller's unit tests run on.</summary>
public sealed class FakeStreamsApiContractTests : StreamsApiContract
{
    private readonly FakeStreamsApi _fake = new();
    private string? _shard;

    protected override IStreamsApi Api => _fake;

    protected override Task<string> NewStreamAsync()
    {
        _shard = _fake.AddShard();
        return Task.FromResult(FakeStreamsApi.Arn);
    }

    protected override Task AppendAsync(string key, int version)
    {
        _fake.Append(_shard ?? throw new InvalidOperationException("NewStreamAsync first"), key, version);
        return Task.CompletedTask;
    }
}
