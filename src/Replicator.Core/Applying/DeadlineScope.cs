namespace Replicator.Applying;

/// <summary>
/// A token that is cancelled at a deadline on the injected clock, or when the caller cancels,
/// whichever comes first. Tests with a fake clock see the same deadline as production.
/// </summary>
internal sealed class DeadlineScope : IDisposable
{
    private readonly CancellationTokenSource _deadline;
    private readonly CancellationTokenSource _linked;

    public DeadlineScope(DateTimeOffset deadline, TimeProvider time, CancellationToken cancellationToken)
    {
        var remaining = deadline - time.GetUtcNow();
        _deadline = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, time);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _deadline.Token);
    }

    public CancellationToken Token => _linked.Token;

    public void Dispose()
    {
        _linked.Dispose();
        _deadline.Dispose();
    }
}
