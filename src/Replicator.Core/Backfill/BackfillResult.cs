namespace Replicator.Backfill;

/// <summary>A finished copy: how many items, how long, whether it resumed an interrupted one, and the stream whose position it took.</summary>
public sealed record BackfillResult(long ItemsCopied, TimeSpan Elapsed, bool Resumed, string StreamArn);
