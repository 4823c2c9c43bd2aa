using Amazon.Runtime;
using Replicator.Aws.Credentials;

namespace Replicator.Tests.Credentials;

/// <summary>A fake STS: numbered credentials (AKIA1, AKIA2, …) that expire <see cref="Lifetime"/> after the fake clock's now, or a refusal.</summary>
internal sealed class CountingIssuer(TimeProvider time) : IRoleIssuer
{
    private int _calls;

    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);

    public Func<AssumedRole, Exception?> Refuse { get; set; } = _ => null;

    /// <summary>Held open by a test to have several callers wait on one call.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public int Calls => Volatile.Read(ref _calls);

    public List<(AssumedRole Role, TimeSpan Duration)> Asked { get; } = [];

    public async Task<IssuedCredentials> AssumeAsync(AssumedRole role, TimeSpan duration, CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref _calls);
        lock (Asked)
        {
            Asked.Add((role, duration));
        }

        if (Gate is { } gate)
        {
            await gate.Task;
        }

        if (Refuse(role) is { } refusal)
        {
            throw refusal;
        }

        return new IssuedCredentials(new ImmutableCredentials($"AKIA{call}", "secret", "token"), time.GetUtcNow() + Lifetime);
    }
}
