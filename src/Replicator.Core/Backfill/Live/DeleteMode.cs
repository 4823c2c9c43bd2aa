namespace Replicator.Backfill.Live;

/// <summary>
/// Whether the engine's deletes are written as markers (while the copy runs) or as deletes. The
/// switch is one-way and in process: after <see cref="SwitchToDeletesAsync"/> no marker write
/// starts, and it returns once every marker write that started before it has ended, so the sweep
/// that follows cannot miss a marker landing late.
/// </summary>
public sealed class DeleteMode
{
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _deletes;
    private bool _swept;
    private int _markerWrites;

    public DeleteMode(bool markers = true)
    {
        if (!markers)
        {
            _deletes = true;
            _swept = true;
            _drained.SetResult();
        }
    }

    /// <summary>Markers may stand on the targets: until the sweep after the switch is done (<see cref="Swept"/>).</summary>
    public bool MarkersMayStand
    {
        get
        {
            lock (_gate)
            {
                return !_swept;
            }
        }
    }

    /// <summary>The sweep is done: no marker stands on any target any more.</summary>
    public void Swept()
    {
        lock (_gate)
        {
            _swept = true;
        }
    }

    public bool WritesMarkers
    {
        get
        {
            lock (_gate)
            {
                return !_deletes;
            }
        }
    }

    /// <summary>Deletes are plain from now on; completes when no marker write is in flight.</summary>
    public Task SwitchToDeletesAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _deletes = true;
            if (_markerWrites == 0)
            {
                _drained.TrySetResult();
            }
        }

        return _drained.Task.WaitAsync(cancellationToken);
    }

    /// <summary>A write may send markers: true until the switch, and then it must call <see cref="EndMarkerWrite"/>.</summary>
    internal bool TryBeginMarkerWrite()
    {
        lock (_gate)
        {
            if (_deletes)
            {
                return false;
            }

            _markerWrites++;
            return true;
        }
    }

    internal void EndMarkerWrite()
    {
        lock (_gate)
        {
            if (--_markerWrites == 0 && _deletes)
            {
                _drained.TrySetResult();
            }
        }
    }
}
