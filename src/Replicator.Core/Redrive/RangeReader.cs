using Replicator.Model;
using Replicator.Retrying;
using Replicator.Streams;

namespace Replicator.Redrive;

/// <summary>
/// Reads one failed batch's range of a shard, <c>startSequenceNumber</c> to
/// <c>endSequenceNumber</c> both included: from an AT_SEQUENCE_NUMBER iterator, until the first
/// record past the end, the end of a closed shard, or <see cref="MaxEmptyPages"/> empty pages in a
/// row (an open shard read to its tip). A start the stream has trimmed (TrimmedDataAccessException)
/// is read from the trim horizon instead, to learn what keys are left, and reported as lost; so is
/// a range whose last record never came. Throttling and 5xx are retried; an expired iterator is
/// renewed after the last record read.
/// </summary>
internal sealed class RangeReader(IStreamsApi streams, Retry retry, TimeProvider time)
{
    /// <summary>Empty pages in a row that mean the shard's tip is reached (DynamoDB may answer a few empty pages before records).</summary>
    public const int MaxEmptyPages = 10;

    private static readonly TimeSpan EmptyPageWait = TimeSpan.FromMilliseconds(100);

    private static readonly RetryBudget Budget = RetryBudget.WithoutProgressFor(TimeSpan.FromMinutes(2));

    public async Task<RangeKeys> ReadAsync(Letter.FailedBatch batch, CancellationToken cancellationToken)
    {
        var keys = new List<ItemKey>();
        var known = new HashSet<ItemKey>();
        var unreadable = new List<string>();
        string? lost = null;
        string? iterator;
        try
        {
            iterator = await IteratorAsync(batch, ShardIteratorType.AtSequenceNumber, batch.Start.Value, cancellationToken).ConfigureAwait(false);
        }
        catch (StreamsException e) when (e.Kind == StreamsErrorKind.TrimmedData)
        {
            lost = $"the stream no longer holds the range's start ({batch.Start}): it is past the stream's 24-hour retention";
            iterator = await IteratorAsync(batch, ShardIteratorType.TrimHorizon, null, cancellationToken).ConfigureAwait(false);
        }
        catch (StreamsException e) when (e.Kind == StreamsErrorKind.NotFound)
        {
            return new RangeKeys([], $"the stream has no shard {batch.ShardId} any more ({e.Message})", []);
        }

        var first = true;
        SequenceNumber? last = null;
        var empties = 0;
        var sawEnd = false;
        while (iterator is not null && !sawEnd)
        {
            RecordsPage page;
            try
            {
                page = await PageAsync(iterator, cancellationToken).ConfigureAwait(false);
            }
            catch (StreamsException e) when (e.Kind == StreamsErrorKind.ExpiredIterator)
            {
                iterator = last is { } after
                    ? await IteratorAsync(batch, ShardIteratorType.AfterSequenceNumber, after.Value, cancellationToken).ConfigureAwait(false)
                    : await IteratorAsync(batch, ShardIteratorType.AtSequenceNumber, batch.Start.Value, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (StreamsException e) when (e.Kind == StreamsErrorKind.TrimmedData)
            {
                lost ??= $"the stream trimmed the range while it was read ({e.Message})";
                break;
            }

            var records = Records(page);
            if (records.Count == 0)
            {
                if (++empties >= MaxEmptyPages)
                {
                    break;
                }

                iterator = page.NextShardIterator;
                await Task.Delay(EmptyPageWait, time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            empties = 0;
            foreach (var (sequenceNumber, key, problem) in records)
            {
                if (sequenceNumber is not { } at)
                {
                    unreadable.Add($"a record without a readable sequence number ({problem})");
                    continue;
                }

                if (first && lost is not null && at.CompareTo(batch.Start) > 0)
                {
                    lost += $"; the oldest record left is {at}";
                }

                first = false;
                last = at;
                if (at.CompareTo(batch.Start) < 0)
                {
                    continue;
                }

                if (at.CompareTo(batch.End) > 0)
                {
                    sawEnd = true;
                    break;
                }

                sawEnd = at.Equals(batch.End);
                if (key is null)
                {
                    unreadable.Add($"record {at}: {problem}");
                }
                else if (known.Add(key))
                {
                    keys.Add(key);
                }

                if (sawEnd)
                {
                    break;
                }
            }

            iterator = page.NextShardIterator;
        }

        if (!sawEnd && lost is null)
        {
            lost = $"the range's last record ({batch.End}) was not found in {batch.ShardId} (read up to {(last is { } l ? l.Value : "nothing")}; on an open shard the stream may just not have answered with it yet: run redrive again first)";
        }

        return new RangeKeys(keys, lost, unreadable);
    }

    /// <summary>A page's records, read and unreadable, in stream order, each with its key or why it has none.</summary>
    private static List<(SequenceNumber? SequenceNumber, ItemKey? Key, string? Problem)> Records(RecordsPage page)
    {
        var records = page.Batch.Records.Select(record => ((SequenceNumber?)record.SequenceNumber, (ItemKey?)record.Key, (string?)null)).ToList();
        foreach (var broken in page.Batch.Malformed)
        {
            // A record the parser refused may still name its key.
            var (key, problem) = LetterKeys.Read(broken.Raw.Span);
            records.Add((broken.SequenceNumber, key, problem is null ? null : $"{broken.Error}; {problem}"));
        }

        return page.Batch.Malformed.Count == 0 ? records : [.. records.OrderBy(record => record.Item1 ?? default)];
    }

    private async Task<string?> IteratorAsync(Letter.FailedBatch batch, ShardIteratorType type, string? sequenceNumber, CancellationToken cancellationToken) =>
        await RetriedAsync(token => streams.GetShardIteratorAsync(batch.StreamArn, batch.ShardId, type, sequenceNumber, token), $"GetShardIterator {batch.ShardId}", cancellationToken).ConfigureAwait(false);

    private Task<RecordsPage> PageAsync(string iterator, CancellationToken cancellationToken) =>
        RetriedAsync(token => streams.GetRecordsAsync(iterator, token), "GetRecords", cancellationToken);

    /// <summary>Retries throttling and 5xx (<see cref="StreamsErrorKind.Retryable"/>); any other error propagates, for the caller to tell apart.</summary>
    private async Task<T> RetriedAsync<T>(Func<CancellationToken, Task<T>> call, string what, CancellationToken cancellationToken)
    {
        var retried = await retry.RunAsync(
            async token => Attempt<T>.Done(await call(token).ConfigureAwait(false)),
            Budget,
            e => e is StreamsException { Kind: StreamsErrorKind.Retryable } ? e.Message : null,
            cancellationToken).ConfigureAwait(false);
        return retried switch
        {
            Retried<T>.Succeeded done => done.Value,
            Retried<T>.GaveUp { Cancelled: true } => throw new OperationCanceledException($"{what} was cancelled.", cancellationToken),
            Retried<T>.GaveUp gaveUp => throw new StreamsException(StreamsErrorKind.Fatal, $"{what}: no progress after {gaveUp.Attempts} attempts; last error: {gaveUp.LastProblem}"),
            _ => throw new InvalidOperationException($"unexpected outcome {retried}"),
        };
    }
}
