using Replicator.Model;

namespace Replicator.Backfill;

/// <summary>
/// The progress of a copy under way, by segment: updated after every page that is durable on every
/// target, and saved (atomically, see <see cref="BackfillState.Save"/>) at most once per
/// <see cref="SaveInterval"/>, and whenever the copy stops (<see cref="Save"/>). A copy killed at
/// any moment resumes from its last saved pages, copying again at most the last interval's: copies
/// are idempotent, and an fsync after every page of every segment cost a fast copy more than its
/// writes (the segments queued behind it).
/// </summary>
internal sealed class BackfillProgress
{
    public static readonly TimeSpan SaveInterval = TimeSpan.FromSeconds(1);

    private readonly object _gate = new();
    private readonly object _saving = new();
    private readonly BackfillState _state;
    private readonly string _path;
    private readonly BackfillCounters _counters;
    private readonly TimeProvider _time;
    private readonly SegmentState[] _segments;
    private long _version;
    private long _savedVersion;
    private long _nextSave;

    public BackfillProgress(BackfillState state, string path, BackfillCounters counters, TimeProvider time)
    {
        _state = state;
        _path = path;
        _counters = counters;
        _time = time;
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
        (long Version, BackfillState State)? due = null;
        lock (_gate)
        {
            _segments[segment] = new SegmentState(lastKey is null, lastKey);
            Interlocked.Add(ref _counters._copied, items);
            Interlocked.Add(ref _counters._scanned, scanned);
            if (lastKey is null)
            {
                Interlocked.Increment(ref _counters._segmentsDone);
            }

            _version++;
            var now = _time.GetTimestamp();
            if (now >= _nextSave)
            {
                _nextSave = now + (long)(SaveInterval.TotalSeconds * _time.TimestampFrequency);
                due = Snapshot();
            }
        }

        if (due is { } snapshot)
        {
            Write(snapshot);
        }
    }

    /// <summary>Saves the progress now, if anything changed since the last save: when the copy stops, for whatever reason.</summary>
    public void Save()
    {
        (long, BackfillState) snapshot;
        lock (_gate)
        {
            snapshot = Snapshot();
        }

        Write(snapshot);
    }

    private (long Version, BackfillState State) Snapshot() => (_version, _state with { ItemsCopied = _counters.ItemsCopied, Segments = [.. _segments] });

    /// <summary>Writes a snapshot outside the progress's lock, so segments go on meanwhile; an older snapshot never replaces a newer one.</summary>
    private void Write((long Version, BackfillState State) snapshot)
    {
        lock (_saving)
        {
            if (snapshot.Version > _savedVersion)
            {
                snapshot.State.Save(_path);
                _savedVersion = snapshot.Version;
            }
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
