using Replicator.Model;

namespace Replicator.Backfill;

/// <summary>
/// The progress of a copy under way, by segment: updated and saved (atomically, see
/// <see cref="BackfillState.Save"/>) after every page that is durable on every target, so a copy
/// stopped at any moment resumes from its last saved page.
/// </summary>
internal sealed class BackfillProgress
{
    private readonly object _gate = new();
    private readonly BackfillState _state;
    private readonly string _path;
    private readonly BackfillCounters _counters;
    private readonly SegmentState[] _segments;

    public BackfillProgress(BackfillState state, string path, BackfillCounters counters)
    {
        _state = state;
        _path = path;
        _counters = counters;
        _segments = [.. state.Segments];
        Interlocked.Exchange(ref counters._copied, state.ItemsCopied);

        // Not kept in the checkpoint: a resumed copy counts what it copied before as read.
        Interlocked.Exchange(ref counters._scanned, state.ItemsCopied);
        Interlocked.Exchange(ref counters._segmentsDone, _segments.Count(segment => segment.Done));
    }

    public DateTimeOffset StartedAt => _state.StartedAt;

    public IEnumerable<int> Unfinished => Enumerable.Range(0, _segments.Length).Where(segment => !_segments[segment].Done);

    /// <summary>Where a segment resumes: after this key, or at its start (null).</summary>
    public IReadOnlyDictionary<string, DynamoValue>? LastKey(int segment)
    {
        lock (_gate)
        {
            return _segments[segment].LastKey;
        }
    }

    /// <summary>A page of <paramref name="items"/> items is on every target; the segment goes on after <paramref name="lastKey"/>, or is done (null).</summary>
    public void PageCopied(int segment, int items, IReadOnlyDictionary<string, DynamoValue>? lastKey, int scanned)
    {
        lock (_gate)
        {
            _segments[segment] = new SegmentState(lastKey is null, lastKey);
            Interlocked.Add(ref _counters._copied, items);
            Interlocked.Add(ref _counters._scanned, scanned);
            if (lastKey is null)
            {
                Interlocked.Increment(ref _counters._segmentsDone);
            }

            (_state with { ItemsCopied = _counters.ItemsCopied, Segments = [.. _segments] }).Save(_path);
        }
    }

    /// <summary>
    /// The copy is complete: replicate may start from the checkpoint. A live copy
    /// (<c>replicate --backfill</c>) is not over yet: its delete markers are still to be swept,
    /// so its file stays, saying so, until the sweep is done.
    /// </summary>
    public void Finish()
    {
        if (_state.Phase == Live.LiveCopyPhase.Copying)
        {
            lock (_gate)
            {
                (_state with { ItemsCopied = _counters.ItemsCopied, Segments = [.. _segments], Phase = Live.LiveCopyPhase.Sweeping }).Save(_path);
            }

            return;
        }

        File.Delete(_path);
    }
}
