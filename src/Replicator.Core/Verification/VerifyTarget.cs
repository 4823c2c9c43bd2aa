using Replicator.Applying;

namespace Replicator.Verification;

/// <summary>A table to verify against the source, and (for repair) the writer that writes to it.</summary>
public sealed record VerifyTarget(ITableReader Reader, ITargetWriter? Writer);
