using Replicator.Planning;

namespace Replicator.Pacing;

/// <summary>A writer kept to a budget: how long its budget takes to let these actions through, so that a caller's deadline for them can allow for the wait.</summary>
public interface IPacedWriter
{
    TimeSpan TimeFor(IReadOnlyList<WriteAction> actions);
}
