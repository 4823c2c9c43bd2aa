namespace Replicator.Streams;

/// <summary>The one wording of "records left the stream unreplicated", so every path that finds it says the same and what to do.</summary>
public static class DataLoss
{
    public static string Message(string what) =>
        $"Data was lost from the stream: {what}; they passed the stream's 24-hour retention before they were replicated, so the targets are missing those changes. " +
        "Backfill the targets from the source table (replicator backfill, with the same checkpoint), which also sets the checkpoints to resume from, " +
        "then run replicator verify --repair, which deletes what the source deleted meanwhile (docs/operations.md, \"Recover from an outage longer than the stream's retention\").";

    /// <summary>Where a checkpoint says reading stands, in words.</summary>
    public static string Position(ShardCheckpoint? checkpoint) => checkpoint switch
    {
        { SequenceNumber: { } sequence } => $"after sequence number {sequence}",
        { StartAtLatest: true } => "from LATEST",
        _ => "from the shard's start",
    };
}
