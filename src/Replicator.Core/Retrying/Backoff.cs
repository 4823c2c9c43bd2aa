namespace Replicator.Retrying;

/// <summary>
/// Capped exponential backoff with full jitter: attempt n waits a random time in
/// [0, min(max, base × 2^n)]. Randomness is injected so tests are repeatable.
/// </summary>
internal sealed class Backoff(TimeSpan baseDelay, TimeSpan maxDelay, Random random)
{
    public TimeSpan Delay(int attempt)
    {
        var ceiling = Math.Min(maxDelay.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30)));
        double fraction;
        lock (random)
        {
            fraction = random.NextDouble();
        }

        return TimeSpan.FromMilliseconds(ceiling * fraction);
    }
}
