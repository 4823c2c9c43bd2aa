namespace Replicator.Applying;

/// <summary>
/// A target table: where replicated writes go. Given as a table ARN, it keeps the ARN, whose
/// account may not be the caller's; requests then name the table by its ARN. Two targets are the
/// same only if region, name and ARN all are.
/// </summary>
public sealed record TargetTable(string Region, string TableName, string? Arn = null)
{
    /// <summary>How requests name the table: its ARN if it was given as one, else its name.</summary>
    public string RequestName => Arn ?? TableName;

    public override string ToString() => Arn ?? $"{Region}:{TableName}";
}
