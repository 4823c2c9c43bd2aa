using System.Runtime.ExceptionServices;
using Replicator.Applying;
using Replicator.Model;
using Replicator.Planning;
using Replicator.Streams;
using Replicator.Verification;

namespace Replicator.Backfill;

/// <summary>
/// Brings a table that already holds data into replication, safely while the application keeps
/// writing. A copy alone cannot be safe (a scanned item can land after its delete was
/// replicated), so a backfill is: (1) take a stream position from before the copy and write it as
/// the checkpoint that <c>replicate</c> resumes from (<see cref="StreamPosition"/>); (2) copy every
/// item with a strongly consistent parallel scan, at most <see cref="ReplicationOptions.MaxConcurrentSegments"/>
/// segments at a time, through the engine's <see cref="Applier"/> (retried, never dropped); then
/// <c>replicate</c> replays the stream from that position, which converges every item changed
/// during the copy. An interrupted or failed copy resumes by segment and keeps the position it
/// took first; the first segment that fails stops the others at once.
/// </summary>
public sealed class Backfiller
{
    private readonly ITableReader _source;
    private readonly IReadOnlyList<ITargetWriter> _targets;
    private readonly TimeProvider _time;
    private readonly Action<string> _log;
    private readonly Applier _applier;
    private readonly PatientReads _reads;
    private readonly StreamPosition? _position;
    private int _segmentsInFlight = 1;

    /// <param name="source">Reads the source table (strongly consistent scans).</param>
    /// <param name="targets">One writer per target table, in the order of <see cref="BackfillRequest.Targets"/>.</param>
    /// <param name="streams">
    /// The source's stream, for the position taken before the copy; null for a copy alone, with
    /// no position and no checkpoint (multi-active, where the running replicators forward every
    /// change made during the copy, and guarded writers keep it from overwriting them).
    /// </param>
    public Backfiller(ITableReader source, IReadOnlyList<ITargetWriter> targets, IStreamsApi? streams, TimeProvider time, Random random, Action<string> log)
    {
        _source = source;
        _targets = targets;
        _time = time;
        _log = log;
        _applier = new Applier(new ReplicationSettings(), time, random);
        _reads = new PatientReads(time, random);
        _position = streams is null ? null : new StreamPosition(streams, _reads, log);
    }

    public BackfillCounters Counters { get; } = new();

    /// <summary>
    /// Copies every item, resuming an unfinished copy of the same request. Throws
    /// <see cref="BackfillException"/> when the copy cannot go on (the progress file is kept, so
    /// running it again resumes) and <see cref="CheckpointException"/> when the progress file
    /// belongs to another backfill or is damaged.
    /// </summary>
    public async Task<BackfillResult> RunAsync(BackfillRequest request, string streamArn, CancellationToken cancellationToken)
    {
        Check(request);
        var started = _time.GetTimestamp();
        var shape = await _reads.ReadAsync(token => _source.DescribeAsync(token), $"DescribeTable on {_source.Table}", cancellationToken).ConfigureAwait(false)
            ?? throw new BackfillException($"--source: table {_source.Table} does not exist.");
        Counters.ApproximateTotal = shape.ApproximateItemCount;

        var progressPath = BackfillState.PathFor(request.CheckpointPath);
        var state = BackfillState.Load(progressPath);
        var resumed = state is not null;
        if (state is null)
        {
            // The progress file first: from here on replicate refuses this checkpoint, even if the
            // process dies between taking the position and writing its first page.
            state = new BackfillState(request.Source.ToString(), TargetsText(request), streamArn, _time.GetUtcNow(), 0, Enumerable.Repeat(new SegmentState(false, null), request.Segments).ToList())
            {
                PositionTaken = _position is null,
                Selection = SelectionText,
            };
            state.Save(progressPath);
        }
        else
        {
            Resume(request, streamArn, state, progressPath);
        }

        if (!state.PositionTaken && _position is not null)
        {
            try
            {
                await _position.TakeAsync(request.CheckpointPath, streamArn, cancellationToken).ConfigureAwait(false);
            }
            catch (StreamsException e)
            {
                throw new BackfillException($"The stream position could not be taken: {e.Message}. Nothing was copied yet; run the same command again.", e);
            }

            state = state with { PositionTaken = true };
            state.Save(progressPath);
        }

        var progress = new BackfillProgress(state, progressPath, Counters, _time);
        await CopyAllAsync(request.Segments, shape, progress, cancellationToken).ConfigureAwait(false);
        progress.Finish();
        return new BackfillResult(Counters.ItemsCopied, _time.GetElapsedTime(started), resumed, streamArn);
    }

    private void Check(BackfillRequest request)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Segments, 1, nameof(request));
        if (request.Source != _source.Table || !request.Targets.SequenceEqual(_targets.Select(target => target.Target)))
        {
            throw new ArgumentException($"The request ({request.Source} to {TargetsText(request)}) names other tables than the backfiller reads and writes.", nameof(request));
        }
    }

    /// <summary>The selection the source is read through, as text; null when it is read whole.</summary>
    private string? SelectionText => _source is Filtering.SelectedTableReader { Selection.IsAll: false } selected ? selected.Selection.ToString() : null;

    private static string TargetsText(BackfillRequest request) => string.Join(",", request.Targets);

    private void Resume(BackfillRequest request, string streamArn, BackfillState state, string progressPath)
    {
        if (state.Phase is not null && _position is not null)
        {
            // A copy beside a running replicator writes guarded and leaves delete markers to sweep: an unguarded copy and no sweep would leave both wrong.
            throw new CheckpointException(
                $"{progressPath} is an unfinished `replicate --backfill` (the copy made while replicating; {Live.LiveCopyPhases.Text(state.Phase.Value)}). " +
                "Run that command again to finish it, or delete the file to start over.");
        }

        if (state.Selection != SelectionText)
        {
            // Half the target copied under one filter or projection and half under another would verify different, and nothing would say why.
            throw new CheckpointException(
                $"{progressPath} is an unfinished backfill that reads the source as {state.Selection ?? "everything"}, not as {SelectionText ?? "everything"}. " +
                "Run it again with the same --filter and --include-attributes/--exclude-attributes to resume it, or delete the file to start over.");
        }

        if (state.Source != request.Source.ToString() || state.Targets != TargetsText(request) || state.Segments.Count != request.Segments || state.StreamArn != streamArn)
        {
            throw new CheckpointException(
                $"{progressPath} is an unfinished backfill of {state.Source} to {state.Targets} with {state.Segments.Count} segments (stream {state.StreamArn}). " +
                "Run the same command again to resume it, or delete the file to start over.");
        }

        _log(state.PositionTaken
            ? $"resuming the backfill started {state.StartedAt:u}: {state.ItemsCopied} items already copied; the stream position it took then is kept"
            : $"resuming the backfill started {state.StartedAt:u}: its stream position was not taken yet, so it is taken now, before anything is copied");
    }

    /// <summary>
    /// Copies the unfinished segments, at most <see cref="ReplicationOptions.MaxConcurrentSegments"/>
    /// at a time. The first segment to fail cancels the others (their pages in flight are copied
    /// again on resume), and the copy ends with its error; cancellation by the caller ends it with
    /// <see cref="OperationCanceledException"/>. Either way the progress file stays.
    /// </summary>
    private async Task CopyAllAsync(int total, TableShape shape, BackfillProgress progress, CancellationToken cancellationToken)
    {
        // Only a replay from a stream position is bounded by the stream's retention.
        var warning = _position is null ? null : new CopyRateWarning(Counters, progress.StartedAt, _time, _log);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Exception? failure = null;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Min(total, ReplicationOptions.MaxConcurrentSegments), CancellationToken = stop.Token };
        _segmentsInFlight = options.MaxDegreeOfParallelism;
        try
        {
            await Parallel.ForEachAsync(progress.Unfinished, options, async (segment, token) =>
            {
                // The next page is read while this one is copied: a segment waits on one round trip per page, not two.
                Task<ScanPage>? next = null;
                try
                {
                    next = ReadPageAsync(segment, total, progress.LastKey(segment), token);
                    while (next is not null)
                    {
                        using var page = await next.ConfigureAwait(false);
                        next = page.LastEvaluatedKey is { } lastKey ? ReadPageAsync(segment, total, lastKey, token) : null;
                        await CopyAsync(shape, page.Items, token).ConfigureAwait(false);
                        progress.PageCopied(segment, page.Items.Count, page.LastEvaluatedKey, page.Scanned ?? page.Items.Count);
                        warning?.Check();
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
                {
                    if (Interlocked.CompareExchange(ref failure, e, null) is null)
                    {
                        await stop.CancelAsync().ConfigureAwait(false);
                    }
                }
                finally
                {
                    await DiscardAsync(next).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (failure is not null)
        {
        }
        finally
        {
            // However the copy stopped, what it copied is saved, so a rerun resumes after it.
            progress.Save();
        }

        if (failure is not null)
        {
            ExceptionDispatchInfo.Throw(failure is TableReadException ? new BackfillException($"{failure.Message}. {BackfillException.Resume}", failure) : failure);
        }
    }

    private Task<ScanPage> ReadPageAsync(int segment, int total, IReadOnlyDictionary<string, DynamoValue>? from, CancellationToken cancellationToken) =>
        _reads.ReadAsync(t => _source.ScanAsync(segment, total, from, null, t), $"Scan of {_source.Table} (segment {segment} of {total})", cancellationToken);

    /// <summary>A page read ahead that will not be copied (the segment stopped): its buffer goes back, and its failure, if it failed, is the stop's, not news.</summary>
    private static async Task DiscardAsync(Task<ScanPage>? read)
    {
        if (read is null)
        {
            return;
        }

        try
        {
            (await read.ConfigureAwait(false)).Dispose();
        }
        catch (Exception e) when (e is OperationCanceledException or TableReadException or BackfillException)
        {
        }
    }

    /// <summary>Writes one scanned page to every target with the engine's applier; anything not durable stops the backfill (it resumes from this page).</summary>
    private async Task CopyAsync(TableShape shape, IReadOnlyList<IReadOnlyDictionary<string, DynamoValue>> items, CancellationToken cancellationToken)
    {
        if (items.Count == 0)
        {
            return;
        }

        var actions = items.Select(item => WriteAction.Copy(shape.KeyOf(item), item)).ToList();
        foreach (var target in _targets)
        {
            // A target kept to a write budget lets a page through at the budget's pace, shared by every
            // segment in flight: that wait is not a failure to write, so the deadline allows for it.
            var paced = target is Pacing.IPacedWriter budget ? budget.TimeFor(actions) * _segmentsInFlight : TimeSpan.Zero;
            var results = await _applier.ApplyAsync(target, actions, _time.GetUtcNow() + ReplicationOptions.DefaultCopyTimeout + paced, cancellationToken).ConfigureAwait(false);

            // Stopped (Ctrl-C, or another segment failed): what did not land is copied again on resume.
            cancellationToken.ThrowIfCancellationRequested();
            var failed = results.Where(result => result.Status != ActionStatus.Applied).ToList();
            if (failed.Count > 0)
            {
                throw new BackfillException($"{failed.Count} item(s) could not be copied to {target.Target}, e.g. {failed[0].Action.Key}: {failed[0].Error}. {BackfillException.Resume}");
            }
        }
    }
}
