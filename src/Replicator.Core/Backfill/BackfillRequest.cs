using Replicator.Applying;

namespace Replicator.Backfill;

/// <summary>
/// What to copy: <paramref name="Source"/> and <paramref name="Targets"/> name the tables the
/// backfiller's reader and writers read and write (in that order); <paramref name="Segments"/> is
/// the scan's TotalSegments; the progress file goes beside <paramref name="CheckpointPath"/>.
/// </summary>
public sealed record BackfillRequest(TargetTable Source, IReadOnlyList<TargetTable> Targets, int Segments, string CheckpointPath);
