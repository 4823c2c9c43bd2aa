namespace Replicator.Verification;

/// <summary>Verify's settings; the host validates the ones a user gives.</summary>
public sealed record VerifySettings
{
    /// <summary>TotalSegments of each parallel scan (1 to <see cref="ReplicationOptions.MaxScanSegments"/>).</summary>
    public int Segments { get; init; } = ReplicationOptions.DefaultScanSegments;

    /// <summary>Write the source's current image over each confirmed difference (or delete an extra item), then check it again.</summary>
    public bool Repair { get; init; }

    /// <summary>
    /// How long after a first read that differs both sides are read again: longer than the
    /// replication lag, a change in flight has landed on the target by then and is not reported.
    /// </summary>
    public TimeSpan Settle { get; init; } = ReplicationOptions.DefaultSettle;

    /// <summary>Differences kept as samples, per kind and target (the counts are always whole).</summary>
    public int SampleLimit { get; init; } = ReplicationOptions.DefaultSampleLimit;

    /// <summary>Consistent GetItem re-reads in flight at once, per scan segment.</summary>
    public int MaxConcurrentRereads { get; init; } = ReplicationOptions.DefaultMaxConcurrentRereads;

    /// <summary>BatchGetItem requests in flight at once, per scan segment and table.</summary>
    public int MaxConcurrentBatchGets { get; init; } = ReplicationOptions.DefaultMaxConcurrentBatchGets;

    public TimeSpan BaseRetryDelay { get; init; } = ReplicationOptions.DefaultBaseRetryDelay;

    public TimeSpan MaxRetryDelay { get; init; } = ReplicationOptions.DefaultMaxRetryDelay;

    /// <summary>A read that makes no progress for this long (throttled, or the endpoint failing) stops verify with an error.</summary>
    public TimeSpan GiveUpAfter { get; init; } = ReplicationOptions.DefaultReadGiveUpAfter;

    /// <summary>How long one batch of repair writes may take, retries of throttled writes included, before it counts as failed.</summary>
    public TimeSpan RepairTimeout { get; init; } = ReplicationOptions.DefaultRepairTimeout;
}
