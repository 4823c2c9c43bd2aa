namespace Replicator.Tests.Fixtures;

internal static class TestSettings
{
    /// <summary>Short waits so retry paths run in milliseconds; the logic is the same at any scale.</summary>
    public static readonly ReplicationSettings FastEngine = new()
    {
        BaseRetryDelay = TimeSpan.FromMilliseconds(1),
        MaxRetryDelay = TimeSpan.FromMilliseconds(4),
        DeadlineReserve = TimeSpan.Zero,
    };
}
