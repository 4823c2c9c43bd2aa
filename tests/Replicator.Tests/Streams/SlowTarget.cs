using Replicator.Applying;
using Replicator.Model;
using Replicator.Planning;
using Replicator.Tests.Applying;

namespace Replicator.Tests.Streams;

/// <summary>An <see cref="InMemoryTarget"/> with a round trip on every request, counting the requests in flight at once.</summary>
internal sealed class SlowTarget(InMemoryTarget inner, TimeSpan delay) : ITargetWriter
{
    public InFlight Requests { get; } = new();

    public TargetTable Target => inner.Target;

    public Task<BatchOutcome> WriteBatchAsync(IReadOnlyList<WriteAction> actions, CancellationToken cancellationToken) =>
        Requests.RunAsync("", async () =>
        {
            await Task.Delay(delay, cancellationToken);
            return await inner.WriteBatchAsync(actions, cancellationToken);
        });

    public Task<WriteOutcome> WriteOneAsync(WriteAction action, CancellationToken cancellationToken) =>
        Requests.RunAsync("", async () =>
        {
            await Task.Delay(delay, cancellationToken);
            return await inner.WriteOneAsync(action, cancellationToken);
        });
}
