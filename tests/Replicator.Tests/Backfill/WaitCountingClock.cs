using Microsoft.Extensions.Time.Testing;

namespace Replicator.Tests.Backfill;

/// <summary>
/// A fake clock that knows whether anything waits on it (a Task.Delay, a timed cancellation), so
/// a test moves it on only while the code under test is waiting, never while it is busy with real
/// work such as file writes: time then passes as it would in production, a wait at a time. A
/// deadline (a timed cancellation of <see cref="LongestWait"/> or more, such as a copy's 5-minute
/// timeout) is not a wait: counted, it would let the test run the clock past it while a page is
/// still being written, and fail a copy that is merely slow on a loaded machine.
/// </summary>
internal sealed class WaitCountingClock() : FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero))
{
    private int _pending;

    /// <summary>The longest timer that counts as someone waiting: longer than any retry's backoff, shorter than any deadline.</summary>
    public static readonly TimeSpan LongestWait = TimeSpan.FromMinutes(1);

    public bool AnyoneWaiting => Volatile.Read(ref _pending) > 0;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new Counted(this);
        timer.Arm(dueTime);
        timer.Inner = base.CreateTimer(s => { timer.Disarm(); callback(s); }, state, dueTime, period);
        return timer;
    }

    /// <summary>Pending from when it is armed with a finite due time until it fires, is changed to never, or is disposed.</summary>
    private sealed class Counted(WaitCountingClock clock) : ITimer
    {
        private int _armed;

        public ITimer Inner { get; set; } = null!;

        public void Arm(TimeSpan dueTime)
        {
            if (dueTime != Timeout.InfiniteTimeSpan && dueTime < LongestWait && Interlocked.Exchange(ref _armed, 1) == 0)
            {
                Interlocked.Increment(ref clock._pending);
            }
        }

        public void Disarm()
        {
            if (Interlocked.Exchange(ref _armed, 0) == 1)
            {
                Interlocked.Decrement(ref clock._pending);
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Disarm();
            Arm(dueTime);
            return Inner.Change(dueTime, period);
        }

        public void Dispose()
        {
            Disarm();
            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Disarm();
            return Inner.DisposeAsync();
        }
    }
}
