using Replicator.Model;

namespace Replicator.MultiActive;

/// <summary>One key's records in a batch, in stream order.</summary>
public sealed record KeyChanges(ItemKey Key, IReadOnlyList<ChangeRecord> Records);

/// <summary>What became of one key's changes: done (with what was done), or not durable, or refused for good (poison).</summary>
public sealed record KeyResult(ItemKey Key, KeyFate Fate, string? Error, MultiActiveCounts Counts, IReadOnlyList<Conflict> Conflicts);

public enum KeyFate : byte { Done, Poison, Failed }
