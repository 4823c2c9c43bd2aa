using Replicator.Planning;

namespace Replicator.Applying;

/// <summary>What a target did with one write: applied, refused by the write's condition, or refused.</summary>
public abstract record WriteOutcome
{
    private WriteOutcome()
    {
    }

    public static WriteOutcome Applied { get; } = new Written();

    public static WriteOutcome Refused(TargetErrorKind kind, string message) => new Failed(new Refusal(kind, message));

    /// <summary>Durable on the target.</summary>
    public sealed record Written : WriteOutcome;

    /// <summary>
    /// The write carried a condition and the target's item did not meet it
    /// (ConditionalCheckFailedException): neither applied, nor poison, nor a failure; the item on
    /// the target stands. One-way writes carry no condition, so only guarded writes see it.
    /// </summary>
    public sealed record ConditionFailed(string Message) : WriteOutcome;

    public sealed record Failed(Refusal Refusal) : WriteOutcome;
}

/// <summary>What a target did with one batch request: took it (perhaps leaving some unprocessed), or refused it whole.</summary>
public abstract record BatchOutcome
{
    private BatchOutcome()
    {
    }

    public static BatchOutcome AllWritten { get; } = new Written([]);

    public static BatchOutcome Refused(TargetErrorKind kind, string message) => new Failed(new Refusal(kind, message));

    /// <summary>
    /// A batch written as single writes (a guarded copy's conditional puts), as one BatchWriteItem
    /// would answer: the worst refusal decides (fatal stops; poison makes the applier find the
    /// item by single writes, where the writes already done are refused by their guards), else
    /// the refused ones are left unprocessed, for another try.
    /// </summary>
    public static BatchOutcome FromSingles(IReadOnlyList<WriteAction> actions, IReadOnlyList<WriteOutcome> outcomes)
    {
        var refusals = outcomes.OfType<WriteOutcome.Failed>().Select(failed => failed.Refusal).ToList();
        if (refusals.FirstOrDefault(refusal => refusal.Kind == TargetErrorKind.Fatal) is { } fatal)
        {
            return new Failed(fatal);
        }

        if (refusals.FirstOrDefault(refusal => refusal.Kind == TargetErrorKind.Poison) is { } poison)
        {
            return new Failed(poison);
        }

        return new Written([.. actions.Where((_, index) => outcomes[index] is WriteOutcome.Failed)]);
    }

    /// <summary>Every action but <paramref name="Unprocessed"/> is durable; those the service left for later (throttled).</summary>
    public sealed record Written(IReadOnlyList<WriteAction> Unprocessed) : BatchOutcome
    {
        /// <summary>The write units the request consumed, when the writer asked the service to say (for a write budget); else null.</summary>
        public double? ConsumedUnits { get; init; }
    }

    public sealed record Failed(Refusal Refusal) : BatchOutcome;
}
