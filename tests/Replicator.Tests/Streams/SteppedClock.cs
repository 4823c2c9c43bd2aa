using Microsoft.Extensions.Time.Testing;

namespace Replicator.Tests.Streams;

/// <summary>
/// A fake clock for code that runs on the thread pool (the poller's supervisor and readers): it
/// counts the timers waiting on it, and <see cref="DriveAsync"/> moves time on to the next one
/// only once the expected number of actors are all waiting, so that no actor is overtaken by time
/// while it works. Time moves only as far as the earliest timer: waits are exact.
/// </summary>
internal sealed class SteppedClock : TimeProvider
{
    private readonly FakeTimeProvider _fake = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly object _gate = new();
    private readonly List<Timer> _pending = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DateTimeOffset Start { get; } = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Timers created for exactly this long are guards (a batch's deadline), held while their
    /// actor works rather than waited on: they fire when time reaches them but do not count as an
    /// actor waiting.
    /// </summary>
    public TimeSpan? GuardDue { get; init; }

    public override DateTimeOffset GetUtcNow() => _fake.GetUtcNow();

    public override long GetTimestamp() => _fake.GetTimestamp();

    public override long TimestampFrequency => _fake.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new Timer(this, period) { Guard = dueTime == GuardDue };
        timer.Schedule(dueTime);
        timer.Inner = _fake.CreateTimer(
            value =>
            {
                timer.Fired();
                callback(value);
            },
            state,
            dueTime,
            period);
        return timer;
    }

    /// <summary>Runs until <paramref name="run"/> ends or <paramref name="atMost"/> of fake time passed; <paramref name="actors"/> is how many timers wait when everything waits.</summary>
    public async Task DriveAsync(Task run, int actors, TimeSpan atMost)
    {
        var end = GetUtcNow() + atMost;
        while (!run.IsCompleted && GetUtcNow() < end)
        {
            DateTimeOffset? next;
            while (true)
            {
                Task changed;
                lock (_gate)
                {
                    next = _pending.Count(timer => !timer.Guard) >= actors ? _pending.Min(timer => timer.Due) : null;
                    changed = _changed.Task;
                }

                if (next is not null || run.IsCompleted)
                {
                    break;
                }

                await Task.WhenAny(changed, run).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            }

            if (next is { } due)
            {
                var step = due - GetUtcNow();
                _fake.Advance(step > TimeSpan.Zero ? step : TimeSpan.FromTicks(1));
            }
        }

        // Nothing moves the clock after this: a run still going would hang its test rather than fail it.
        Assert.True(run.IsCompleted, $"the run was still going after {atMost} of fake time");
    }

    private void Changed(Action change)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            change();
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    private sealed class Timer(SteppedClock clock, TimeSpan period) : ITimer
    {
        private bool _disposed;

        public ITimer? Inner { get; set; }

        public bool Guard { get; init; }

        public DateTimeOffset Due { get; private set; }

        public void Schedule(TimeSpan dueTime) => clock.Changed(() =>
        {
            clock._pending.Remove(this);
            if (!_disposed && dueTime != Timeout.InfiniteTimeSpan)
            {
                Due = clock.GetUtcNow() + dueTime;
                clock._pending.Add(this);
            }
        });

        public void Fired() => Schedule(period);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Schedule(dueTime);
            return Inner?.Change(dueTime, period) ?? false;
        }

        public void Dispose()
        {
            clock.Changed(() =>
            {
                _disposed = true;
                clock._pending.Remove(this);
            });
            Inner?.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
