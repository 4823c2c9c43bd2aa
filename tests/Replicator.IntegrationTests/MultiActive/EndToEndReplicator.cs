using Replicator.IntegrationTests.Cli;
using Replicator.IntegrationTests.Support;

namespace Replicator.IntegrationTests.MultiActive;

/// <summary>
/// One region's <c>replicator replicate --mode multi-active</c> across its lives: started, killed
/// with SIGKILL, started again from its checkpoint; every life's output is kept, for the
/// conflicts it reported.
/// </summary>
internal sealed class EndToEndReplicator(MotoServer moto, IReadOnlyDictionary<string, string> environment, string region, string[] arguments) : IDisposable
{
    private readonly List<EndToEndRun> _runs = [];

    public string Region => region;

    public IReadOnlyList<EndToEndRun> Runs => _runs;

    /// <summary>Starts a life that runs until killed.</summary>
    public void Start() => _runs.Add(new EndToEndRun(ReplicatorProcess.Start(moto, environment, arguments), DateTimeOffset.UtcNow));

    /// <summary>SIGKILL, whatever it is doing: no batch finished, no checkpoint written.</summary>
    public void Kill()
    {
        var run = _runs[^1];
        run.Process.Kill();
        run.KilledAt = DateTimeOffset.UtcNow;
    }

    /// <summary>A life that stops by itself once caught up and idle; throws, with its output, when it does not within <paramref name="timeout"/> (a loop).</summary>
    public async Task<EndToEndRun> RunToIdleAsync(TimeSpan idleFor, TimeSpan timeout)
    {
        var run = new EndToEndRun(ReplicatorProcess.Start(moto, environment, [.. arguments, "--stop-after-idle", $"{idleFor.TotalSeconds}"]), DateTimeOffset.UtcNow);
        _runs.Add(run);
        run.ExitCode = await run.Process.WaitAsync(timeout);
        return run;
    }

    public void Dispose()
    {
        foreach (var run in _runs)
        {
            run.Process.Dispose();
        }
    }
}
