namespace Replicator.StandIn;

/// <summary>
/// A table's provisioned capacity in one direction: units per second, refilled continuously, with
/// one second's worth as the burst (DynamoDB keeps up to five minutes of unused capacity; a
/// benchmark wants the steady rate). Unlimited when constructed with 0. A request is served while
/// the bucket is above zero and may take it below (the debt is paid before the next one), as
/// DynamoDB lets a read finish and charges it after.
/// </summary>
internal sealed class Capacity(double unitsPerSecond)
{
    private readonly object _lock = new();
    private readonly double _rate = unitsPerSecond;
    private double _tokens = unitsPerSecond;
    private long _refilled = System.Diagnostics.Stopwatch.GetTimestamp();

    public bool Limited => _rate > 0;

    /// <summary>Whether a request may start now.</summary>
    public bool HasAny()
    {
        if (!Limited)
        {
            return true;
        }

        lock (_lock)
        {
            Refill();
            return _tokens > 0;
        }
    }

    /// <summary>Takes up to <paramref name="units"/> while any remain; returns how many were granted (all, when unlimited).</summary>
    public double Take(double units, bool partial)
    {
        if (!Limited)
        {
            return units;
        }

        lock (_lock)
        {
            Refill();
            if (_tokens <= 0)
            {
                return 0;
            }

            var granted = partial ? Math.Min(units, _tokens) : units;
            _tokens -= granted;
            return granted;
        }
    }

    private void Refill()
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        _tokens = Math.Min(_rate, _tokens + ((now - _refilled) * _rate / System.Diagnostics.Stopwatch.Frequency));
        _refilled = now;
    }
}
