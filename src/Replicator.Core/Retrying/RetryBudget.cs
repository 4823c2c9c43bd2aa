namespace Replicator.Retrying;

/// <summary>How long <see cref="Retry"/> keeps trying before it gives up.</summary>
internal abstract record RetryBudget
{
    private RetryBudget()
    {
    }

    /// <summary>Until a fixed moment: no wait is started that would end at or past it (a host's deadline).</summary>
    public static RetryBudget Until(DateTimeOffset deadline) => new Deadline(deadline);

    /// <summary>Until no attempt has made progress for this long (a read that keeps being throttled).</summary>
    public static RetryBudget WithoutProgressFor(TimeSpan window) => new Stall(window);

    /// <summary>Until the caller cancels (a poller that must never skip a batch).</summary>
    public static RetryBudget Unbounded { get; } = new Forever();

    /// <summary>Whether a wait of <paramref name="delay"/> from <paramref name="now"/> is still within the budget.</summary>
    internal abstract bool Allows(DateTimeOffset now, TimeSpan delay, DateTimeOffset lastProgress);

    internal sealed record Deadline(DateTimeOffset At) : RetryBudget
    {
        internal override bool Allows(DateTimeOffset now, TimeSpan delay, DateTimeOffset lastProgress) => now + delay < At;
    }

    internal sealed record Stall(TimeSpan Window) : RetryBudget
    {
        internal override bool Allows(DateTimeOffset now, TimeSpan delay, DateTimeOffset lastProgress) => now + delay - lastProgress <= Window;
    }

    internal sealed record Forever : RetryBudget
    {
        internal override bool Allows(DateTimeOffset now, TimeSpan delay, DateTimeOffset lastProgress) => true;
    }
}
