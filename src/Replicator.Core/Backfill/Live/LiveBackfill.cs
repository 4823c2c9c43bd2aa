using Replicator.Streams;
using Replicator.Verification;

namespace Replicator.Backfill.Live;

/// <summary>
/// <c>replicate --backfill</c>'s copy, made while the same process replicates from the stream, so
/// the copy may take longer than the stream's retention:
/// <list type="number">
/// <item><see cref="PrepareAsync"/> takes the stream position before the copy (as backfill does)
/// into the checkpoint, and the host starts its poller from it at once;</item>
/// <item><see cref="CompleteAsync"/> copies every segment through <see cref="AbsentOnlyCopyWriter"/>
/// (a copy lands only where the target holds nothing for the key) while the engine writes its
/// deletes as <see cref="DeleteMarker"/>s (<see cref="MarkingDeletesWriter"/>), so a copy can
/// neither overwrite a replicated change nor bring back a replicated delete;</item>
/// <item>then switches the engine's deletes back to plain ones (<see cref="DeleteMode"/>), waits
/// for the marker writes in flight, and sweeps the markers left (<see cref="MarkerSweep"/>).</item>
/// </list>
/// Every change after the position is replayed in order; a copy that lands before a replicated
/// change of its key is overwritten by it, and one that would land after is refused, so the
/// targets converge. The phases are kept in the backfill's progress file; a run stopped at any
/// moment resumes where it was (a sweep is run again whole).
/// </summary>
public sealed class LiveBackfill
{
    private readonly ITableReader _source;
    private readonly IReadOnlyList<LiveTarget> _targets;
    private readonly DeleteMode _deletes;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly Action<string> _log;
    private readonly PatientReads _reads;
    private readonly StreamPosition _position;
    private readonly Backfiller _copy;
    private readonly IReadOnlyList<AbsentOnlyCopyWriter> _writers;
    private bool _fresh;

    /// <param name="source">Reads the source (through the filter and projection replication applies, if any).</param>
    /// <param name="deletes">The switch the engine's <see cref="MarkingDeletesWriter"/>s obey.</param>
    public LiveBackfill(ITableReader source, IReadOnlyList<LiveTarget> targets, IStreamsApi streams, DeleteMode deletes, TimeProvider time, Random random, Action<string> log)
    {
        _source = source;
        _targets = targets;
        _deletes = deletes;
        _time = time;
        _random = random;
        _log = log;
        _reads = new PatientReads(time, random);
        _position = new StreamPosition(streams, _reads, log);
        _writers = [.. targets.Select(target => new AbsentOnlyCopyWriter(target.Table, target.Tables))];

        // No stream here: the position is taken by PrepareAsync, before the poller starts, not by the copy.
        _copy = new Backfiller(source, _writers, streams: null, time, random, line =>
        {
            // The copy always finds the progress file PrepareAsync wrote; on a first run that is no resumption.
            if (!(_fresh && line.StartsWith("resuming the backfill", StringComparison.Ordinal)))
            {
                log(line);
            }
        });
    }

    public BackfillCounters Counters => _copy.Counters;

    /// <summary>Copies written, and copies that found replication there first, over all targets.</summary>
    public (long Written, long Stood) Copies => (_writers.Sum(writer => writer.Written), _writers.Sum(writer => writer.Stood));

    /// <summary>
    /// Checks the tables, writes (or reads back) the progress file, and takes the stream position
    /// into the checkpoint if no earlier run did. A new copy needs empty targets: an item already
    /// there would stop the copy of its key and stay as it is. A progress file of <c>backfill</c>'s
    /// (an unguarded copy stopped part way) is taken over: it goes on guarded.
    /// </summary>
    public async Task<LivePreparation> PrepareAsync(BackfillRequest request, string streamArn, CancellationToken cancellationToken)
    {
        var shape = await _reads.ReadAsync(token => _source.DescribeAsync(token), $"DescribeTable on {_source.Table}", cancellationToken).ConfigureAwait(false);
        if (shape is null)
        {
            return new LivePreparation.Refused($"--source: table {_source.Table} does not exist.");
        }

        foreach (var target in _targets)
        {
            var targetShape = await _reads.ReadAsync(token => target.Reader.DescribeAsync(token), $"DescribeTable on {target.Table}", cancellationToken).ConfigureAwait(false);
            if (targetShape is null || !targetShape.SameKeyAs(shape))
            {
                return new LivePreparation.Refused(targetShape is null
                    ? $"--target: table {target.Table} does not exist."
                    : $"--target: {target.Table} is keyed by {targetShape.DescribeKey()}, but the source by {shape.DescribeKey()}; a target needs the source's key schema.");
            }
        }

        var path = BackfillState.PathFor(request.CheckpointPath);
        var state = BackfillState.Load(path);
        if (state is null)
        {
            if (await FirstTargetWithItemsAsync(shape, cancellationToken).ConfigureAwait(false) is { } full)
            {
                return new LivePreparation.Refused(
                    $"--target: {full} holds items, and there is no unfinished copy beside the checkpoint {request.CheckpointPath}. replicate --backfill copies only into empty targets: " +
                    "an item already there would stop the copy of its key and stay as it is. If an earlier replicate --backfill of this checkpoint finished, run replicate without --backfill; " +
                    "to copy again, empty the targets first, or use backfill, which overwrites (when the copy fits in the stream's 24-hour retention).");
            }

            state = new BackfillState(request.Source.ToString(), TargetsText(request), streamArn, _time.GetUtcNow(), 0, Enumerable.Repeat(new SegmentState(false, null), request.Segments).ToList())
            {
                PositionTaken = false,
                Selection = SelectionText,
                Phase = LiveCopyPhase.Copying,
            };
            state.Save(path);
            _fresh = true;
        }
        else
        {
            state = Resume(request, streamArn, state, path);
        }

        if (!state.PositionTaken)
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
            state.Save(path);
        }

        if (state.Phase == LiveCopyPhase.Sweeping)
        {
            await _deletes.SwitchToDeletesAsync(cancellationToken).ConfigureAwait(false);
        }

        return new LivePreparation.Ready(state.Phase ?? LiveCopyPhase.Copying, Resumed: !_fresh);
    }

    /// <summary>
    /// Copies what is left, switches deletes back to plain ones, sweeps the markers and removes the
    /// progress file. Call after <see cref="PrepareAsync"/> answered ready and the poller started.
    /// Throws <see cref="BackfillException"/> when it cannot go on (run again, it resumes).
    /// </summary>
    public async Task<LiveBackfillResult> CompleteAsync(BackfillRequest request, string streamArn, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var path = BackfillState.PathFor(request.CheckpointPath);
        var state = BackfillState.Load(path) ?? throw new InvalidOperationException($"no live copy is prepared beside {request.CheckpointPath}");
        if (state.Phase == LiveCopyPhase.Copying)
        {
            await _copy.RunAsync(request, streamArn, cancellationToken).ConfigureAwait(false);
            _log($"every segment is copied ({Counters.ItemsCopied} items; {Copies.Written} written, {Copies.Stood} found replication there first); replicated deletes are plain deletes from now on");
        }

        await _deletes.SwitchToDeletesAsync(cancellationToken).ConfigureAwait(false);
        _log("sweeping the delete markers off the targets");
        var sweep = new MarkerSweep(_targets, request.Segments, _reads, _time, _random);
        await sweep.RunAsync(cancellationToken).ConfigureAwait(false);
        _deletes.Swept();
        File.Delete(path);
        _log($"the live copy is done: {sweep.Swept} delete marker(s) swept, {sweep.Replaced} replaced by replication first; {path} removed");
        return new LiveBackfillResult(Counters.ItemsCopied, Copies.Written, Copies.Stood, sweep.Swept, sweep.Replaced, _time.GetElapsedTime(started));
    }

    private string? SelectionText => _source is Filtering.SelectedTableReader { Selection.IsAll: false } selected ? selected.Selection.ToString() : null;

    private static string TargetsText(BackfillRequest request) => string.Join(",", request.Targets);

    /// <summary>The same request as the run that wrote the file, or it is not ours to resume (the rule the backfiller applies).</summary>
    private BackfillState Resume(BackfillRequest request, string streamArn, BackfillState state, string path)
    {
        if (state.Source != request.Source.ToString() || state.Targets != TargetsText(request) || state.Segments.Count != request.Segments || state.StreamArn != streamArn || state.Selection != SelectionText)
        {
            throw new CheckpointException(
                $"{path} is an unfinished backfill of {state.Source} to {state.Targets} with {state.Segments.Count} segments (stream {state.StreamArn}; reading the source as {state.Selection ?? "everything"}). " +
                "Run it again with the same --source, --target, --segments and --filter/--include-attributes/--exclude-attributes to resume it, or delete the file to start over.");
        }

        if (state.Phase is null)
        {
            // backfill's unguarded copy, stopped part way: what it wrote is as new as its scan, which the replay from its position overwrites where the key changed since.
            _log($"taking over the backfill started {state.StartedAt:u} ({state.ItemsCopied} items copied): the rest is copied guarded, beside replication from its stream position");
            state = state with { Phase = LiveCopyPhase.Copying };
            state.Save(path);
        }
        else
        {
            _log($"resuming replicate --backfill started {state.StartedAt:u} ({LiveCopyPhases.Text(state.Phase.Value)}; {state.ItemsCopied} items copied); the stream position it took then is kept");
        }

        return state;
    }

    private async Task<Applying.TargetTable?> FirstTargetWithItemsAsync(TableShape shape, CancellationToken cancellationToken)
    {
        foreach (var target in _targets)
        {
            var page = await _reads.ReadAsync(token => target.Reader.ScanAsync(0, 1, null, shape.KeyNames, token), $"Scan of {target.Table}", cancellationToken).ConfigureAwait(false);
            if (page.Items.Count > 0 || page.LastEvaluatedKey is not null)
            {
                return target.Table;
            }
        }

        return null;
    }
}
