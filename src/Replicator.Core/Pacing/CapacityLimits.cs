namespace Replicator.Pacing;

/// <summary>Capacity units per second that each table may be read or written with; null: no limit.</summary>
public sealed record CapacityLimits(double? ReadUnits, double? WriteUnits)
{
    public static CapacityLimits None { get; } = new(null, null);
}
