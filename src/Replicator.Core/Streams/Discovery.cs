using Replicator.Retrying;

namespace Replicator.Streams;

/// <summary>One DescribeStream for the supervisor, retried on throttling and 5xx without a budget: the shards, or why the poller stops.</summary>
internal abstract record Discovery
{
    private Discovery()
    {
    }

    public sealed record Listed(StreamDescription Description) : Discovery;

    public sealed record Stopped(PollerOutcome Outcome) : Discovery;

    public static async Task<Discovery> DescribeAsync(PollerParts parts, CancellationToken cancellationToken)
    {
        try
        {
            var described = await parts.Retry.RunAsync(
                async token => Attempt<StreamDescription>.Done(await parts.Api.DescribeStreamAsync(parts.Settings.StreamArn, token).ConfigureAwait(false)),
                RetryBudget.Unbounded,
                e => e is StreamsException { Kind: StreamsErrorKind.Retryable } retryable ? Logged(parts, $"DescribeStream: {retryable.Message}; retrying") : null,
                cancellationToken).ConfigureAwait(false);
            return described is Retried<StreamDescription>.Succeeded done
                ? new Listed(done.Value)
                : new Stopped(new PollerOutcome(PollerStop.Cancelled, null, false)); // The budget is unbounded: only cancellation gives up.
        }
        catch (StreamsException e)
        {
            return new Stopped(new PollerOutcome(PollerStop.Failed, $"Cannot read stream {parts.Settings.StreamArn}: {e.Message}", false));
        }
    }

    private static string Logged(PollerParts parts, string line)
    {
        parts.Log(line);
        return line;
    }
}
