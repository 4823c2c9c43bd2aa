namespace Replicator.MultiActive;

/// <summary>What multi-active replication did with a batch, beyond what every mode reports.</summary>
public sealed record MultiActiveCounts
{
    /// <summary>Application writes given a version in this region (stamped, or put back over an older remote write).</summary>
    public int Versioned { get; init; }

    /// <summary>Of <see cref="Versioned"/>, the application's writes put back over an older write from another region that got there first.</summary>
    public int PutBack { get; init; }

    /// <summary>Versions (writes and deletes) written to another region's table.</summary>
    public int Forwarded { get; init; }

    /// <summary>Versions another region's table already held: replays and repeated deliveries. Skipped, not conflicts.</summary>
    public int Duplicates { get; init; }

    /// <summary>Versions another region's table held a newer version of: late deliveries and lost writes. Skipped.</summary>
    public int Stale { get; init; }

    /// <summary>Writes of this region that lost to a concurrent write, recorded in the conflict table.</summary>
    public int Conflicts { get; init; }

    /// <summary>Records of the replicator's own writes, never forwarded.</summary>
    public int OwnRecords { get; init; }

    /// <summary>Records of writes that changed nothing.</summary>
    public int Unchanged { get; init; }

    public static MultiActiveCounts None { get; } = new();

    public static MultiActiveCounts operator +(MultiActiveCounts a, MultiActiveCounts b) => new()
    {
        Versioned = a.Versioned + b.Versioned,
        PutBack = a.PutBack + b.PutBack,
        Forwarded = a.Forwarded + b.Forwarded,
        Duplicates = a.Duplicates + b.Duplicates,
        Stale = a.Stale + b.Stale,
        Conflicts = a.Conflicts + b.Conflicts,
        OwnRecords = a.OwnRecords + b.OwnRecords,
        Unchanged = a.Unchanged + b.Unchanged,
    };
}
