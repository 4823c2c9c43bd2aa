using Amazon.DynamoDBv2.Model;
using Replicator.Applying;
using Replicator.Aws.MultiActive;
using Replicator.MultiActive;

namespace Replicator.Tests.MultiActive;

/// <summary>How DynamoDbRegionTables reads a cancelled transaction: reasons moto cannot produce (conflicts, throttling) included.</summary>
public sealed class TransactionCancellationTests
{
    private static TransactionOutcome Outcome(params string?[] codes) => TransactionCancellation.Outcome(
        new TransactionCanceledException("Transaction cancelled") { CancellationReasons = [.. codes.Select(code => new CancellationReason { Code = code })] },
        "TransactWriteItems on us-east-1:t");

    [Fact]
    public void ConditionsAlone_AreCancelled_NamingTheWritesThatFailedThem()
    {
        Assert.Equal([1, 2], Assert.IsType<TransactionOutcome.Cancelled>(Outcome("None", "ConditionalCheckFailed", "ConditionalCheckFailed")).FailedConditions);
    }

    [Theory]
    [InlineData("TransactionConflict")]
    [InlineData("ThrottlingError")]
    [InlineData("ProvisionedThroughputExceeded")]
    public void AConflictOrThrottling_EvenBesideAFailedCondition_IsRetryable(string reason)
    {
        Assert.Equal(TargetErrorKind.Retryable, Assert.IsType<TransactionOutcome.Failed>(Outcome("ConditionalCheckFailed", reason)).Refusal.Kind);
    }

    [Fact]
    public void AnInvalidWrite_IsPoison_AMissingTable_IsFatal()
    {
        Assert.Equal(TargetErrorKind.Poison, Assert.IsType<TransactionOutcome.Failed>(Outcome("None", "ValidationError")).Refusal.Kind);
        Assert.Equal(TargetErrorKind.Fatal, Assert.IsType<TransactionOutcome.Failed>(Outcome("ResourceNotFoundException")).Refusal.Kind);
    }

    [Fact]
    public void NoReasons_IsRetryable_NotACancellationForConditions()
    {
        Assert.Equal(TargetErrorKind.Retryable, Assert.IsType<TransactionOutcome.Failed>(Outcome()).Refusal.Kind);
        Assert.Equal(TargetErrorKind.Retryable, Assert.IsType<TransactionOutcome.Failed>(Outcome(null, "None")).Refusal.Kind);
    }
}
