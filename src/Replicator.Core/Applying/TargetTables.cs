using System.Text.RegularExpressions;

namespace Replicator.Applying;

/// <summary>Reads target tables written as <c>region:table</c> or as a table ARN.</summary>
public static partial class TargetTables
{
    /// <summary>
    /// Parses a comma-separated list such as <c>us-west-2:users,eu-west-1:users</c> or
    /// <c>arn:aws:dynamodb:us-west-2:123456789012:table/users</c>. Throws <see cref="FormatException"/>
    /// naming the entry at fault.
    /// </summary>
    public static IReadOnlyList<TargetTable> ParseList(string text)
    {
        var entries = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (entries.Length == 0)
        {
            throw new FormatException("no target given; expected one or more of region:table or a table ARN, separated by commas");
        }

        var targets = entries.Select(Parse).ToList();
        var duplicate = targets.GroupBy(target => target).FirstOrDefault(group => group.Count() > 1);
        return duplicate is null ? targets : throw new FormatException($"target {duplicate.Key} is listed twice");
    }

    public static TargetTable Parse(string text)
    {
        string region, table;
        string? arn = null;
        if (text.StartsWith("arn:", StringComparison.Ordinal))
        {
            // arn:partition:dynamodb:region:account:table/name
            var parts = text.Split(':', 6);
            if (parts.Length != 6 || parts[2] != "dynamodb" || !AccountPattern().IsMatch(parts[4]) || !parts[5].StartsWith("table/", StringComparison.Ordinal) || parts[5].Contains("/stream/", StringComparison.Ordinal))
            {
                throw new FormatException($"'{text}' is not a DynamoDB table ARN (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME, ACCOUNT being 12 digits)");
            }

            region = parts[3];
            table = parts[5]["table/".Length..];
            arn = text;
            if (RegionPattern().IsMatch(region) && parts[1] != PartitionOf(region))
            {
                // Otherwise the same table could be spelled twice, under two identities.
                throw new FormatException($"'{text}' names partition '{parts[1]}', but region {region} is in partition '{PartitionOf(region)}'");
            }
        }
        else
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                throw new FormatException($"'{text}' is not of the form region:table (e.g. us-west-2:users)");
            }

            region = text[..colon];
            table = text[(colon + 1)..];
        }

        if (!RegionPattern().IsMatch(region))
        {
            throw new FormatException($"'{region}' in '{text}' is not an AWS region name (e.g. us-west-2)");
        }

        if (!TablePattern().IsMatch(table))
        {
            throw new FormatException($"'{table}' in '{text}' is not a DynamoDB table name (3 to 255 of a-z, A-Z, 0-9, '_', '-', '.')");
        }

        return new TargetTable(region, table, arn);
    }

    /// <summary>The partition a region belongs to, by its prefix, as AWS names them (cn-north-1 is in aws-cn).</summary>
    public static string PartitionOf(string region) => region switch
    {
        _ when region.StartsWith("cn-", StringComparison.Ordinal) => "aws-cn",
        _ when region.StartsWith("us-gov-", StringComparison.Ordinal) => "aws-us-gov",
        _ when region.StartsWith("us-isob-", StringComparison.Ordinal) => "aws-iso-b",
        _ when region.StartsWith("us-iso-", StringComparison.Ordinal) => "aws-iso",
        _ when region.StartsWith("eusc-", StringComparison.Ordinal) => "aws-eusc",
        _ => "aws",
    };

    [GeneratedRegex("^[a-z]{2,4}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex RegionPattern();

    [GeneratedRegex("^[a-zA-Z0-9_.-]{3,255}$")]
    private static partial Regex TablePattern();

    [GeneratedRegex("^[0-9]{12}$")]
    private static partial Regex AccountPattern();
}
