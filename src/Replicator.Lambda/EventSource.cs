using Replicator.Applying;
using Replicator.Parsing;

namespace Replicator.Lambda;

/// <summary>The table a batch's stream belongs to (<c>eventSourceARN</c>), and the check that no target is that table.</summary>
internal static class EventSource
{
    /// <summary>The distinct tables the batch's records name as their source; Lambda gives one invocation the records of one stream.</summary>
    public static IReadOnlyList<TableIdentity> TablesOf(ParsedBatch batch) =>
        [.. batch.Records.Select(record => TableIdentity.FromArn(record.EventSourceArn)).OfType<TableIdentity>().Distinct()];

    /// <summary>
    /// Why this batch must not be written, if a target is <paramref name="source"/>, or one table
    /// is a target twice. A target given as <c>region:table</c> is in the function's own account
    /// (from its ARN), else in the source's.
    /// </summary>
    public static string? TargetIsSource(TableIdentity source, IReadOnlyList<TargetTable> targets, string? functionArn)
    {
        var resolved = targets.Select(target => new ResolvedTable(target, Resolve(target, source, functionArn))).ToList();
        try
        {
            Topology.Check(new ResolvedTable(new TargetTable(source.Region, source.Name, source.ToString()), source), resolved);
            return null;
        }
        catch (TopologyException e)
        {
            return $"{LambdaConfiguration.TargetsVariable}: {e.Message} The event comes from the stream of {source}; nothing of this batch was written. Fix {LambdaConfiguration.TargetsVariable}, or the event source mapping.";
        }
    }

    /// <summary>The table <paramref name="target"/> is: its ARN's, or, given as <c>region:table</c>, the table of that name in the function's account.</summary>
    public static TableIdentity Resolve(TargetTable target, TableIdentity source, string? functionArn)
    {
        var account = functionArn?.Split(':') is ["arn", _, "lambda", _, { Length: > 0 } own, ..] ? own : source.Account;
        return TableIdentity.FromArn(target.Arn) ?? source with { Account = account, Region = target.Region, Name = target.TableName };
    }
}
