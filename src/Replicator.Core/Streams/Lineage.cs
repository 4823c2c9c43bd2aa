namespace Replicator.Streams;

/// <summary>What <see cref="ShardLineage.Check"/> found: the shards that may be read now, or records lost for good.</summary>
public abstract record Lineage
{
    private Lineage()
    {
    }

    /// <summary>Nothing was lost; <paramref name="Ready"/> are the listed shards whose reading may start (or go on) now.</summary>
    public sealed record Intact(IReadOnlyList<StreamShard> Ready) : Lineage;

    /// <summary>Records left the stream before they were replicated; <paramref name="Error"/> names the shard and says to backfill.</summary>
    public sealed record Broken(string Error) : Lineage;
}
