using Microsoft.Extensions.Time.Testing;

namespace Replicator.Tests.Fixtures;

/// <summary>
/// Drives work that waits on a <see cref="FakeTimeProvider"/>: deadlines and backoff are on the
/// fake clock, which moves a step each real millisecond or so while the work runs, busy or not.
/// So fake time runs a few times faster than real time: a deadline must leave the work's busy
/// parts ample real time (about a fifth of it, at the engine tests' 5 ms step).
/// </summary>
internal static class FakeClock
{
    public static readonly DateTimeOffset Start = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Moves the clock on by <paramref name="step"/> whenever the work has not finished, after a
    /// moment of real time in which its threads can register their next waits. Fails if the work
    /// is still going after <paramref name="atMost"/> of fake time.
    /// </summary>
    public static async Task<T> DriveAsync<T>(FakeTimeProvider time, Task<T> work, TimeSpan? step = null, TimeSpan? atMost = null)
    {
        var limit = time.GetUtcNow() + (atMost ?? TimeSpan.FromHours(1));
        while (await Task.WhenAny(work, Task.Delay(1)).ConfigureAwait(false) != work)
        {
            if (time.GetUtcNow() >= limit)
            {
                throw new TimeoutException($"the work was still going after {atMost ?? TimeSpan.FromHours(1)} of fake time");
            }

            time.Advance(step ?? TimeSpan.FromMilliseconds(1));
        }

        return await work.ConfigureAwait(false);
    }
}
