using System.CommandLine;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.Aws.MultiActive;
using Replicator.MultiActive;

namespace Replicator.Cli;

/// <summary>The replication mode a command runs in.</summary>
public enum ReplicationMode { OneWay, MultiActive }

/// <summary>The options of multi-active mode (<c>--mode</c>, <c>--metadata-attribute</c>, <c>--tombstone-retention</c>) and its checks, shared by setup, replicate, backfill and verify.</summary>
internal static class MultiActiveOptions
{
    public static Option<ReplicationMode> Mode() => new("--mode")
    {
        Description = "one-way (the default: the source's changes go to read-only targets) or multi-active (every region's table is writable; run one replicator per region, each with its own table as --source and the others as --target).",
        DefaultValueFactory = _ => ReplicationMode.OneWay,
        CustomParser = result => result.Tokens.Single().Value.ToLowerInvariant() switch
        {
            "one-way" => ReplicationMode.OneWay,
            "multi-active" => ReplicationMode.MultiActive,
            var other => CommonOptions.Error(result, $"--mode: '{other}' is not one-way or multi-active", ReplicationMode.OneWay),
        },
    };

    public static Option<string> MetadataAttribute() => new("--metadata-attribute")
    {
        Description = $"Multi-active: the attribute the replicator keeps each item's version in (default {ReplicationOptions.DefaultMetadataAttribute}). The application must not write it; the same in every region.",
        DefaultValueFactory = _ => ReplicationOptions.DefaultMetadataAttribute,
    };

    public static Option<TimeSpan?> TombstoneRetention() => CommonOptions.Duration(
        "--tombstone-retention",
        $"Multi-active: how long a delete's tombstone is kept, e.g. 7d (the default), at least {ReplicationOptions.MinTombstoneRetention.TotalHours:0}h. A replicator whose checkpoint is older refuses to resume.");

    /// <summary>The settings the options give, or a usage error naming the option at fault.</summary>
    public static MultiActiveSettings Settings(string metadataAttribute, TimeSpan? retention)
    {
        var settings = new MultiActiveSettings { MetadataAttribute = metadataAttribute, TombstoneRetention = retention ?? ReplicationOptions.DefaultTombstoneRetention };
        return settings.Problem() is { } problem ? throw new UsageException(problem) : settings;
    }

    /// <summary>
    /// Every table of the set in its own region: the version of a write names its region, so two
    /// tables of one set in one region could not be told apart.
    /// </summary>
    public static void CheckRegions(TargetTable source, IReadOnlyList<TargetTable> targets)
    {
        var tables = targets.Prepend(source).ToList();
        if (tables.GroupBy(table => table.Region).FirstOrDefault(group => group.Count() > 1) is { } shared)
        {
            throw new UsageException($"--target: {string.Join(" and ", shared)} are in one region ({shared.Key}); in multi-active mode each table of the set must be in its own region, since a version names the region its write was made in.");
        }

        if (tables.FirstOrDefault(table => !ItemVersion.IsRegion(table.Region)) is { } odd)
        {
            throw new UsageException($"--target: '{odd.Region}' is not a region name (lower-case letters, digits and dashes).");
        }
    }

    /// <summary>The side tables of the set that do not exist yet, each as region:name.</summary>
    public static async Task<IReadOnlyList<string>> MissingSideTablesAsync(AwsClients clients, IEnumerable<TargetTable> tables, CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        foreach (var table in tables)
        {
            missing.AddRange((await SideTables.MissingAsync(clients.DynamoDb(table), table.RequestName, cancellationToken).ConfigureAwait(false)).Select(name => $"{table.Region}:{name}"));
        }

        return missing;
    }

    /// <summary>Refuses (usage error) to run without the side tables, naming them and the command that creates them.</summary>
    public static async Task RequireSetupAsync(AwsClients clients, TargetTable source, IReadOnlyList<TargetTable> targets, Uri? endpoint, CancellationToken cancellationToken)
    {
        var missing = await MissingSideTablesAsync(clients, targets.Prepend(source), cancellationToken).ConfigureAwait(false);
        if (missing.Count > 0)
        {
            var command = $"replicator setup --mode multi-active --source {source} {string.Join(" ", targets.Select(target => $"--target {target}"))}{(endpoint is null ? "" : $" --endpoint {endpoint}")}";
            throw new UsageException($"multi-active mode needs its side tables, and these do not exist: {string.Join(", ", missing)}. Create them with: {command}");
        }
    }

    /// <summary>This region's table and the others', as the multi-active engine writes them.</summary>
    public static (Replica Local, IReadOnlyList<Replica> Peers) Replicas(AwsClients clients, TargetTable source, IReadOnlyList<TargetTable> targets)
    {
        Replica Of(TargetTable table) => new(table.Region, table.RequestName, clients.RegionTables(table));
        return (Of(source), [.. targets.Select(Of)]);
    }
}
