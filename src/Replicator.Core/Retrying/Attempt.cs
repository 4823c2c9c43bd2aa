namespace Replicator.Retrying;

/// <summary>What one attempt came to: done with a value, or to be tried again after a wait.</summary>
internal abstract record Attempt<T>
{
    private Attempt()
    {
    }

    public static Attempt<T> Done(T value) => new Finished(value);

    /// <summary>
    /// Not done, for a reason worth waiting out (throttled, unprocessed items, a 5xx).
    /// <paramref name="progressed"/>: part of the work got done, so the backoff starts over and a
    /// budget without progress is renewed.
    /// </summary>
    public static Attempt<T> Again(string problem, bool progressed = false) => new Unfinished(problem, progressed);

    internal sealed record Finished(T Value) : Attempt<T>;

    internal sealed record Unfinished(string Problem, bool Progressed) : Attempt<T>;
}

/// <summary>What <see cref="Retry.RunAsync{T}"/> came to.</summary>
internal abstract record Retried<T>
{
    private Retried()
    {
    }

    /// <summary>Attempts made, the last one included.</summary>
    public abstract int Attempts { get; }

    internal sealed record Succeeded(T Value, int Attempts) : Retried<T>
    {
        public override int Attempts { get; } = Attempts;
    }

    /// <summary>The budget ran out, or the caller cancelled (<paramref name="Cancelled"/>), before an attempt finished.</summary>
    internal sealed record GaveUp(int Attempts, string LastProblem, bool Cancelled) : Retried<T>
    {
        public override int Attempts { get; } = Attempts;
    }
}
