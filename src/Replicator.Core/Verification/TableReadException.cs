namespace Replicator.Verification;

/// <summary>A read the service refused, classified: <see cref="Retryable"/> for throttling, 5xx and dropped connections.</summary>
public sealed class TableReadException(string message, bool retryable, Exception? inner = null) : Exception(message, inner)
{
    public bool Retryable { get; } = retryable;
}
