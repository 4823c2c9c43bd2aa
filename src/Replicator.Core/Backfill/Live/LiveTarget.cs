using Replicator.Applying;
using Replicator.MultiActive;
using Replicator.Verification;

namespace Replicator.Backfill.Live;

/// <summary>One target of a live copy: read (to check it is empty, and to find the markers to sweep) and written with conditions.</summary>
public sealed record LiveTarget(TargetTable Table, ITableReader Reader, IRegionTables Tables);
