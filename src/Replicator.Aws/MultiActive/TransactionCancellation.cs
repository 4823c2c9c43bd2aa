using Amazon.DynamoDBv2.Model;
using Replicator.Applying;
using Replicator.MultiActive;

namespace Replicator.Aws.MultiActive;

/// <summary>
/// What a TransactionCanceledException means: its CancellationReasons give one code per write,
/// in the transaction's order (<c>None</c> for a write that would have succeeded). Only a
/// transaction cancelled for conditions alone is <see cref="TransactionOutcome.Cancelled"/>: a
/// conflict with another transaction or throttling may pass on another try (the conditions are
/// evaluated again then), and a write the service refused as invalid never will.
/// </summary>
internal static class TransactionCancellation
{
    private const string ConditionFailed = "ConditionalCheckFailed";
    private const string NoReason = "None";

    /// <summary>moto cancels a ConditionCheck on a missing table with this reason (AWS answers ResourceNotFoundException to the request): every try will fail the same.</summary>
    private static readonly HashSet<string> Fatal = new(StringComparer.Ordinal)
    {
        "ResourceNotFoundException",
        "ResourceNotFound",
        "AccessDeniedException",
    };

    private static readonly HashSet<string> Poison = new(StringComparer.Ordinal)
    {
        "ValidationError",
        "ItemCollectionSizeLimitExceeded",
    };

    public static TransactionOutcome Outcome(TransactionCanceledException cancelled, string operation) =>
        Outcome([.. (cancelled.CancellationReasons ?? []).Select(reason => reason?.Code)], cancelled.Message, operation);

    /// <summary>The same, from the reasons' codes (null for a reason without one) and the message, as the JSON protocol answers them.</summary>
    public static TransactionOutcome Outcome(IReadOnlyList<string?> reasons, string? message, string operation)
    {
        var codes = reasons.Select(code => code ?? NoReason).ToList();
        var others = codes.Where(code => code is not ConditionFailed and not NoReason).Distinct(StringComparer.Ordinal).ToList();
        if (others.Count > 0 || !codes.Contains(ConditionFailed))
        {
            var kind = others.Any(Fatal.Contains) ? TargetErrorKind.Fatal
                : others.Any(Poison.Contains) ? TargetErrorKind.Poison
                : TargetErrorKind.Retryable;
            var given = codes.Count == 0 ? "no reasons given" : string.Join(", ", codes);
            return new TransactionOutcome.Failed(new Refusal(kind, $"{operation}: cancelled ({given}): {message}"));
        }

        return new TransactionOutcome.Cancelled([.. codes.Select((code, index) => (code, index)).Where(pair => pair.code == ConditionFailed).Select(pair => pair.index)]);
    }
}
