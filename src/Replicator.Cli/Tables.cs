using Amazon.DynamoDBv2.Model;
using Replicator.Applying;
using Replicator.Aws;

namespace Replicator.Cli;

/// <summary>Which tables the options name: each resolved to its identity, and checked (<see cref="Topology"/>) before any command reads or writes.</summary>
internal static class Tables
{
    /// <summary>
    /// The table's identity: from its ARN when given one, else from DescribeTable on the table it
    /// names (so <c>region:table</c> gets the caller's account). A usage error when it does not exist.
    /// </summary>
    public static async Task<ResolvedTable> ResolveAsync(AwsClients clients, TargetTable table, string option, CancellationToken cancellationToken)
    {
        if (TableIdentity.FromArn(table.Arn) is { } given)
        {
            return new ResolvedTable(table, given);
        }

        var description = await DescribeAsync(clients, table, option, cancellationToken).ConfigureAwait(false);
        return new ResolvedTable(table, TableIdentity.FromArn(description.TableArn)
            ?? throw new UsageException($"{option}: DescribeTable of {table} answered with a table ARN that cannot be read: '{description.TableArn}'."));
    }

    /// <summary>DescribeTable on the table the option names (by its ARN when given one), or a usage error when there is none.</summary>
    public static async Task<TableDescription> DescribeAsync(AwsClients clients, TargetTable table, string option, CancellationToken cancellationToken)
    {
        try
        {
            return (await clients.DynamoDb(table).DescribeTableAsync(table.RequestName, cancellationToken).ConfigureAwait(false)).Table;
        }
        catch (ResourceNotFoundException)
        {
            throw new UsageException($"{option}: table {table} does not exist.");
        }
    }

    /// <summary>
    /// Refuses (usage error, naming both) a target that is the source, or one table given twice:
    /// first as spelled (no request needed), then as resolved, which catches two spellings of one table.
    /// </summary>
    public static async Task CheckAsync(AwsClients clients, TargetTable source, IReadOnlyList<TargetTable> targets, CancellationToken cancellationToken)
    {
        Check(AsSpelled(source), [.. targets.Select(AsSpelled)]);
        if (await clients.RefusedRolesAsync().ConfigureAwait(false) is [_, ..] refused)
        {
            throw new UsageException($"--target-role: {string.Join("; ", refused)}");
        }

        var resolvedSource = await ResolveAsync(clients, source, "--source", cancellationToken).ConfigureAwait(false);
        var resolvedTargets = new List<ResolvedTable>(targets.Count);
        foreach (var target in targets)
        {
            resolvedTargets.Add(await ResolveAsync(clients, target, "--target", cancellationToken).ConfigureAwait(false));
        }

        Check(resolvedSource, resolvedTargets);
    }

    /// <summary>What a spelling alone says: an ARN's table, or the caller's table of that name in that region.</summary>
    private static ResolvedTable AsSpelled(TargetTable table) =>
        new(table, TableIdentity.FromArn(table.Arn) ?? new TableIdentity("(caller's partition)", "(caller's account)", table.Region, table.TableName));

    private static void Check(ResolvedTable source, IReadOnlyList<ResolvedTable> targets)
    {
        try
        {
            Topology.Check(source, targets);
        }
        catch (TopologyException e)
        {
            throw new UsageException($"--target: {e.Message}");
        }
    }
}
