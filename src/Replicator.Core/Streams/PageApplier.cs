using Replicator.Model;
using Replicator.Parsing;

namespace Replicator.Streams;

/// <summary>What applying one page came to.</summary>
internal abstract record Applied
{
    private Applied()
    {
    }

    public static Applied Whole { get; } = new Everything();

    /// <summary>Every record is durable on every target (or dead-lettered); the checkpoint is past the page.</summary>
    public sealed record Everything : Applied;

    /// <summary>
    /// Part of the page failed: read again from <paramref name="RetryAt"/> (its first unapplied
    /// record; null: from the checkpoint). <paramref name="CheckpointMoved"/>: records before it
    /// became durable, which is progress (the backoff starts over).
    /// </summary>
    public sealed record Partly(SequenceNumber? RetryAt, bool CheckpointMoved) : Applied;
}

/// <summary>
/// Hands a page to the engine and checkpoints what became durable: the checkpoint never passes a
/// record that is not on every target. The engine is not cancelled: a batch in flight runs to its end.
/// </summary>
internal static class PageApplier
{
    public static async Task<Applied> ApplyAsync(PollerParts parts, string shardId, ParsedBatch batch, CancellationToken stop)
    {
        // A slot among the batches applied at once over all shards; a stop while waiting applies nothing.
        await parts.Applies.WaitAsync(stop).ConfigureAwait(false);
        BatchReport report;
        try
        {
            report = await parts.Engine.ProcessAsync(batch, parts.Time.GetUtcNow() + parts.Settings.BatchTimeout, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            parts.Applies.Release();
        }

        parts.Progress.Add(report, shardId);
        foreach (var line in Observability.ReportLines.ConflictLines(report, TableOf(parts.Settings.StreamArn)))
        {
            parts.Log(line);
        }

        var durable = batch.Records.Select(record => (SequenceNumber?)record.SequenceNumber)
            .Concat(batch.Malformed.Select(record => record.SequenceNumber))
            .Where(position => position is not null && (report.FirstFailure is not { } failure || position < failure))
            .Max();
        var before = parts.Checkpoints.Of(shardId)?.SequenceNumber;
        if (durable is { } last && !report.FailedWithoutPosition)
        {
            await parts.Checkpoints.Advance(shardId, checkpoint => checkpoint with { SequenceNumber = last.Value, StartAtLatest = false }).ConfigureAwait(false);
        }

        if (report.Succeeded)
        {
            return Applied.Whole;
        }

        parts.Log($"shard {shardId}: batch not fully replicated, retrying from {report.FirstFailure?.Value ?? "the checkpoint"}: {string.Join("; ", report.Errors.Take(3))}");
        return new Applied.Partly(report.FirstFailure, parts.Checkpoints.Of(shardId)?.SequenceNumber != before);
    }

    /// <summary>The table of a stream ARN (<c>arn:…:table/NAME/stream/LABEL</c>).</summary>
    private static string TableOf(string streamArn)
    {
        var start = streamArn.IndexOf(":table/", StringComparison.Ordinal);
        var end = streamArn.IndexOf("/stream/", StringComparison.Ordinal);
        return start >= 0 && end > start ? streamArn[(start + ":table/".Length)..end] : streamArn;
    }
}
