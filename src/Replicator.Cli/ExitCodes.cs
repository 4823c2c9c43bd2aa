namespace Replicator.Cli;

/// <summary>Exit codes, the same for every command.</summary>
internal static class ExitCodes
{
    /// <summary>Done: replicated, caught up, or the tables are identical.</summary>
    public const int Ok = 0;

    /// <summary>Differences found, records failed, or replication stopped on an error.</summary>
    public const int Failed = 1;

    /// <summary>A usage or configuration error: a bad option, a missing table or stream, an unreadable checkpoint.</summary>
    public const int Usage = 2;
}
