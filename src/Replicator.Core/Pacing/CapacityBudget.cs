namespace Replicator.Pacing;

/// <summary>
/// A table's capacity units per second that a command may use, as a token bucket that holds at
/// most one second's worth: a request takes its estimated units before it is sent, waiting while
/// the bucket is empty (it may take the bucket below zero: the debt is waited out by the next
/// request), and settles with the units the service says it consumed once answered. So the rate
/// over any few seconds stays at the budget however many requests are in flight, and a burst is
/// at most a second's worth plus the requests already under way. Safe to share between threads.
/// </summary>
public sealed class CapacityBudget
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private double _units;
    private long _refilled;

    public CapacityBudget(double unitsPerSecond, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(unitsPerSecond);
        UnitsPerSecond = unitsPerSecond;
        _time = time;
        _units = unitsPerSecond;
        _refilled = time.GetTimestamp();
    }

    public double UnitsPerSecond { get; }

    /// <summary>Units the requests settled so far consumed (estimates for answers that said nothing).</summary>
    public double Consumed { get; private set; }

    /// <summary>Waits until the bucket holds any units, then takes <paramref name="units"/> from it.</summary>
    public async Task TakeAsync(double units, CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan wait;
            lock (_gate)
            {
                Refill();
                if (_units > 0)
                {
                    _units -= units;
                    return;
                }

                // Until the debt is paid, and a little past it, so a waiter does not wake to an empty bucket.
                wait = TimeSpan.FromSeconds((-_units / UnitsPerSecond) + 0.001);
            }

            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A request that took <paramref name="taken"/> consumed <paramref name="consumed"/>: the difference goes back to the bucket, or is owed.</summary>
    public void Settle(double taken, double consumed)
    {
        lock (_gate)
        {
            _units = Math.Min(UnitsPerSecond, _units + taken - consumed);
            Consumed += consumed;
        }
    }

    private void Refill()
    {
        var now = _time.GetTimestamp();
        _units = Math.Min(UnitsPerSecond, _units + (_time.GetElapsedTime(_refilled, now).TotalSeconds * UnitsPerSecond));
        _refilled = now;
    }
}
