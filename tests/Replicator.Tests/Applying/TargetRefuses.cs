using Replicator.Applying;

namespace Replicator.Tests.Applying;

/// <summary>
/// Thrown by a test's fault function to say "the service refuses this request"; the in-memory
/// writers turn it into the <see cref="BatchOutcome.Failed"/> or <see cref="WriteOutcome.Failed"/>
/// a real writer returns, so the engine only ever sees outcomes, as from DynamoDB.
/// </summary>
internal sealed class TargetRefuses(TargetErrorKind kind, string message) : Exception(message)
{
    public Refusal Refusal { get; } = new(kind, message);
}
