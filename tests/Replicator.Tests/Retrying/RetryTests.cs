using Microsoft.Extensions.Time.Testing;
using Replicator.Retrying;

namespace Replicator.Tests.Retrying;

public sealed class RetryTests
{
    private static readonly TimeSpan Base = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(2);

    /// <summary>Real time a loop that should end at once may take: a hang fails the test instead.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>A jitter that always picks the ceiling, so each wait is exactly base × 2^n, capped.</summary>
    private sealed class CeilingRandom : Random
    {
        public override double NextDouble() => 1.0;
    }

    private Retry Retry() => new(Base, Max, _time, new CeilingRandom());

    /// <summary>Runs the loop, moving the fake clock on 1 ms at a time (the attempts are synchronous, so each move runs what it woke).</summary>
    private async Task<Retried<T>> DriveAsync<T>(Task<Retried<T>> run, TimeSpan? atMost = null)
    {
        var limit = _time.GetUtcNow() + (atMost ?? TimeSpan.FromMinutes(10));
        while (!run.IsCompleted && _time.GetUtcNow() < limit)
        {
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.True(run.IsCompleted, "the retry loop did not end within the time allowed");
        return await run;
    }

    /// <summary>An attempt that fails <paramref name="failures"/> times, then is done; it notes when each attempt began.</summary>
    private Func<CancellationToken, Task<Attempt<string>>> FailingTimes(int failures, List<DateTimeOffset> starts, Func<int, bool>? progressed = null) => _ =>
    {
        starts.Add(_time.GetUtcNow());
        var n = starts.Count;
        return Task.FromResult(n > failures ? Attempt<string>.Done("ok") : Attempt<string>.Again($"problem {n}", progressed?.Invoke(n) ?? false));
    };

    private static List<double> Gaps(List<DateTimeOffset> starts) =>
        starts.Zip(starts.Skip(1), (a, b) => (b - a).TotalMilliseconds).ToList();

    [Fact]
    public async Task Run_DoneAtOnce_MakesOneAttemptAndNoWait()
    {
        var starts = new List<DateTimeOffset>();
        var result = await Retry().RunAsync(FailingTimes(0, starts), RetryBudget.Unbounded, null, CancellationToken.None).WaitAsync(Bound, TestContext.Current.CancellationToken);

        var done = Assert.IsType<Retried<string>.Succeeded>(result);
        Assert.Equal(("ok", 1), (done.Value, done.Attempts));
        Assert.Single(starts);
    }

    [Fact]
    public async Task Run_KeepsFailing_WaitsDoublingFromTheBaseUpToTheCap()
    {
        var starts = new List<DateTimeOffset>();
        var result = await DriveAsync(Retry().RunAsync(FailingTimes(7, starts), RetryBudget.Unbounded, null, CancellationToken.None));

        Assert.Equal(8, Assert.IsType<Retried<string>.Succeeded>(result).Attempts);
        Assert.Equal([100, 200, 400, 800, 1600, 2000, 2000], Gaps(starts));
    }

    [Fact]
    public async Task Run_Progress_StartsTheBackoffOver()
    {
        var starts = new List<DateTimeOffset>();
        var run = Retry().RunAsync(FailingTimes(5, starts, progressed: n => n == 3), RetryBudget.Unbounded, null, CancellationToken.None);
        await DriveAsync(run);

        Assert.Equal([100, 200, 100, 200, 400], Gaps(starts));
    }

    [Fact]
    public async Task Run_Deadline_GivesUpRatherThanStartAWaitThatWouldPassIt_NamingTheLastProblem()
    {
        var starts = new List<DateTimeOffset>();
        var deadline = _time.GetUtcNow() + TimeSpan.FromMilliseconds(1000);
        var result = await DriveAsync(Retry().RunAsync(FailingTimes(100, starts), RetryBudget.Until(deadline), null, CancellationToken.None));

        var gaveUp = Assert.IsType<Retried<string>.GaveUp>(result);
        // Waits of 100, 200, 400 end at 700 ms; the next (800) would end past 1,000 ms.
        Assert.Equal(4, gaveUp.Attempts);
        Assert.Equal("problem 4", gaveUp.LastProblem);
        Assert.False(gaveUp.Cancelled);
        Assert.True(_time.GetUtcNow() < deadline);
    }

    [Fact]
    public async Task Run_WithoutProgressFor_IsRenewedByProgress()
    {
        var stalled = new List<DateTimeOffset>();
        var window = RetryBudget.WithoutProgressFor(TimeSpan.FromMilliseconds(750));
        var first = await DriveAsync(Retry().RunAsync(FailingTimes(100, stalled), window, null, CancellationToken.None));
        Assert.Equal(4, first.Attempts); // 100 + 200 + 400 = 700 ms without progress; one more wait would make 1,500.

        var progressing = new List<DateTimeOffset>();
        var second = await DriveAsync(Retry().RunAsync(FailingTimes(10, progressing, progressed: _ => true), window, null, CancellationToken.None));
        Assert.IsType<Retried<string>.Succeeded>(second);
        Assert.Equal(11, progressing.Count);
    }

    [Fact]
    public async Task Run_TransientExceptions_AreTriedAgain_OthersPropagate()
    {
        var calls = 0;
        Func<Exception, string?> transient = e => e is TimeoutException ? $"timed out: {e.Message}" : null;
        var result = await DriveAsync(Retry().RunAsync(
            _ => ++calls < 3 ? throw new TimeoutException("slow") : Task.FromResult(Attempt<int>.Done(calls)),
            RetryBudget.Unbounded,
            transient,
            CancellationToken.None));
        Assert.Equal(3, Assert.IsType<Retried<int>.Succeeded>(result).Value);

        await Assert.ThrowsAsync<InvalidOperationException>(() => Retry().RunAsync<int>(
            _ => throw new InvalidOperationException("a bug"),
            RetryBudget.Unbounded,
            transient,
            CancellationToken.None).WaitAsync(Bound, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Run_CancelledDuringAWait_GivesUpAsCancelled_WithTheLastProblem()
    {
        using var cancel = new CancellationTokenSource();
        var starts = new List<DateTimeOffset>();
        var run = Retry().RunAsync(FailingTimes(100, starts), RetryBudget.Unbounded, null, cancel.Token);
        _time.Advance(TimeSpan.FromMilliseconds(150));
        await cancel.CancelAsync();

        var gaveUp = Assert.IsType<Retried<string>.GaveUp>(await run.WaitAsync(Bound, TestContext.Current.CancellationToken));
        Assert.True(gaveUp.Cancelled);
        Assert.Equal((2, "problem 2"), (gaveUp.Attempts, gaveUp.LastProblem));
    }

    [Fact]
    public async Task Run_CancelledDuringAnAttempt_GivesUpAsCancelled()
    {
        using var cancel = new CancellationTokenSource();
        var result = await Retry().RunAsync<int>(
            async token =>
            {
                await cancel.CancelAsync();
                token.ThrowIfCancellationRequested();
                return Attempt<int>.Done(1);
            },
            RetryBudget.Unbounded,
            _ => "anything",
            cancel.Token).WaitAsync(Bound, TestContext.Current.CancellationToken);

        Assert.True(Assert.IsType<Retried<int>.GaveUp>(result).Cancelled);
    }
}
