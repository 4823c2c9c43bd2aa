using Replicator.Retrying;
using Replicator.Streams;
using Replicator.Verification;

namespace Replicator.Backfill;

/// <summary>
/// Backfill's reads (DescribeTable, scan pages, the stream's shards and records), retried by the
/// one retry primitive under verify's rule: throttling, 5xx and dropped connections are waited
/// out with capped, jittered backoff, however many attempts that takes, until a read has made no
/// progress for <see cref="ReplicationOptions.DefaultReadGiveUpAfter"/>; then the backfill stops
/// with a <see cref="BackfillException"/> (it resumes). Other errors propagate as they are.
/// </summary>
internal sealed class PatientReads(TimeProvider time, Random random)
{
    private readonly Retry _retry = new(ReplicationOptions.DefaultBaseRetryDelay, ReplicationOptions.DefaultMaxRetryDelay, time, random);

    public async Task<T> ReadAsync<T>(Func<CancellationToken, Task<T>> read, string what, CancellationToken cancellationToken)
    {
        var window = ReplicationOptions.DefaultReadGiveUpAfter;
        var outcome = await _retry.RunAsync(
            async token => Attempt<T>.Done(await read(token).ConfigureAwait(false)),
            RetryBudget.WithoutProgressFor(window),
            Transient,
            cancellationToken).ConfigureAwait(false);
        return outcome switch
        {
            Retried<T>.Succeeded done => done.Value,
            Retried<T>.GaveUp { Cancelled: true } => throw new OperationCanceledException(cancellationToken),
            Retried<T>.GaveUp gaveUp => throw new BackfillException(
                $"{what}: no progress for {window.TotalSeconds:0} s ({gaveUp.Attempts} attempts); last error: {gaveUp.LastProblem}. {BackfillException.Resume}"),
            _ => throw new InvalidOperationException($"unknown retry outcome {outcome}"),
        };
    }

    private static string? Transient(Exception e) => e switch
    {
        TableReadException { Retryable: true } => e.Message,
        StreamsException { Kind: StreamsErrorKind.Retryable } => e.Message,
        _ => null,
    };
}
