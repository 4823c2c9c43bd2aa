using Replicator.Backfill.Live;
using Replicator.MultiActive;
using CsCheck;

namespace Replicator.Tests.Backfill.Live;

/// <summary>
/// Random interleavings of a live copy with the application and replication: before any scan page,
/// any read of the target and any conditional write (the copy's, and the sweep's), the application
/// may put or delete keys, replication may run, and the process may be killed (then run again).
/// Whatever the order, the target ends equal to the source, with no marker left. One item a page
/// and one segment keep each scenario's order fixed by its seed.
/// </summary>
public sealed class LiveBackfillPropertyTests
{
    private const int FixedSeed = 2027;

    [Fact]
    public void RandomChangesReplicationAndKills_AtAnyMomentOfTheCopyAndTheSweep_Converge()
    {
        if (Environment.GetEnvironmentVariable("LIVE_BACKFILL_SEED") is { } replay)
        {
            Run(int.Parse(replay, System.Globalization.CultureInfo.InvariantCulture));
            return;
        }

        // CI runs the same scenarios every time; LIVE_BACKFILL_ITERATIONS explores new ones with CsCheck.
        if (int.TryParse(Environment.GetEnvironmentVariable("LIVE_BACKFILL_ITERATIONS"), out var iterations))
        {
            Gen.Int[0, int.MaxValue].Sample(Run, iter: iterations, threads: 1);
            return;
        }

        var seeds = new Random(FixedSeed);
        for (var i = 0; i < 40; i++)
        {
            Run(seeds.Next());
        }
    }

    private static void Run(int seed) => RunAsync(seed).GetAwaiter().GetResult();

    private static async Task RunAsync(int seed)
    {
        var random = new Random(seed);
        using var rig = new LiveCopyRig(items: 10, pageSize: 1) { IdleStop = TimeSpan.FromMilliseconds(12) };
        var version = 1;
        var kills = 0;
        var steps = new List<string>();
        CancellationTokenSource? kill = null;

        void Change()
        {
            var key = $"user{random.Next(12):D2}";
            if (random.Next(3) == 0)
            {
                steps.Add($"delete {key}");
                rig.Delete(key);
            }
            else
            {
                steps.Add($"put {key} v{++version}");
                rig.Put(key, version);
            }
        }

        // One moment at a time: a segment reads its next page while it copies the last, so the
        // scan's moments and the copy's can come at once; each is one step of the story.
        using var oneAtATime = new SemaphoreSlim(1, 1);
        async Task MomentAsync(string where)
        {
            await oneAtATime.WaitAsync();
            try
            {
                await OneMomentAsync(where);
            }
            finally
            {
                oneAtATime.Release();
            }
        }

        async Task OneMomentAsync(string where)
        {
            if (random.Next(100) < 35)
            {
                for (var n = random.Next(1, 4); n > 0; n--)
                {
                    Change();
                }
            }

            if (random.Next(100) < 30)
            {
                steps.Add($"replicate ({where})");
                await rig.ReplicateAsync();
            }

            if (kills < 2 && random.Next(100) < 4)
            {
                kills++;
                steps.Add($"kill ({where})");
                await kill!.CancelAsync();
                kill.Token.ThrowIfCancellationRequested();
            }
        }

        rig.Reader.BeforeScan = (segment, call, _) => MomentAsync($"before scan page {call}");
        rig.TargetTables.BeforeRead = (keys, _) => MomentAsync($"before the copy reads {keys[0]}");
        rig.TargetTables.BeforeWrite = (write, _) => MomentAsync($"before {(write is TableWrite.Put ? "the copy of" : "the sweep's delete of")} {write.Key}");
        try
        {
            while (true)
            {
                using (kill = new CancellationTokenSource())
                {
                    rig.NewProcess();
                    await rig.PrepareAsync(segments: 1);
                    try
                    {
                        await rig.CompleteAsync(segments: 1, cancellationToken: kill.Token);
                        break;
                    }
                    catch (OperationCanceledException) when (kill.IsCancellationRequested)
                    {
                        // Killed: the next pass is the same command run again.
                    }
                }
            }

            Change();
            steps.Add("replicate (after the copy)");
            await rig.ReplicateAsync();
            rig.AssertConverged();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"seed {seed} (replay with LIVE_BACKFILL_SEED={seed}): {e.Message}\nsteps:\n  {string.Join("\n  ", steps)}");
        }
    }
}
