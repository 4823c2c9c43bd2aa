using Microsoft.Extensions.Time.Testing;

namespace Replicator.Tests.Verification;

/// <summary>
/// A fake clock on which a wait (<c>Task.Delay</c> on this clock) ends at once in real time: the
/// clock jumps to the moment the wait ends, so a test sees the fake time a run took, with no real
/// waiting and no thread driving the clock by hand. A timeout (a <see cref="CancellationTokenSource"/>
/// made on this clock, as the applier's deadline is) is not jumped to: it fires only when waits
/// carry the clock past it, as it would in production. Waits in flight at once can end a little
/// late (the clock jumps to whichever is scheduled first), so tests that measure exact times keep
/// to one wait at a time (one segment).
/// </summary>
internal sealed class SkippingClock() : FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero))
{
    private readonly Lock _jump = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (state is not CancellationTokenSource && dueTime > TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
        {
            // Read after the timer is made, so the jump can only reach or pass its due time.
            var due = GetUtcNow() + dueTime;
            ThreadPool.QueueUserWorkItem(_ => JumpTo(due));
        }

        return timer;
    }

    private void JumpTo(DateTimeOffset due)
    {
        lock (_jump)
        {
            var now = GetUtcNow();
            if (due > now)
            {
                Advance(due - now);
            }
        }
    }
}
