using System.CommandLine;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.Aws.MultiActive;
using Spectre.Console;

namespace Replicator.Cli;

/// <summary>
/// <c>replicator setup --mode multi-active</c>: creates what multi-active replication needs beyond
/// the user's tables (each table's tombstone and conflict tables, with time-to-live), in every
/// region of the set. Safe to run again: what exists is left alone.
/// </summary>
internal static class SetupCommand
{
    public static Command Create(IAnsiConsole console, CancellationToken interrupt)
    {
        var mode = MultiActiveOptions.Mode();
        var source = CommonOptions.Source();
        var targets = CommonOptions.Targets();
        var roles = new TargetRoleOptions();
        var endpoint = CommonOptions.Endpoint();
        var output = CommonOptions.Output();
        var command = new Command("setup", "Create the side tables multi-active replication needs (tombstones and conflicts, for every table of the set), the one step before replicate in every region. Safe to run again.")
        {
            mode, source, targets, endpoint, output,
        };
        roles.AddTo(command);
        command.SetAction(async (parsed, _) =>
        {
            if (parsed.GetValue(mode) != ReplicationMode.MultiActive)
            {
                throw new UsageException("--mode: setup is for multi-active mode (--mode multi-active); one-way replication needs nothing beyond the tables.");
            }

            var sourceTable = parsed.GetRequiredValue(source);
            var targetTables = parsed.GetRequiredValue(targets);
            MultiActiveOptions.CheckRegions(sourceTable, targetTables);
            using var clients = new AwsClients(endpoint: parsed.GetValue(endpoint)?.ToString(), access: roles.Access(parsed, targetTables));
            await Tables.CheckAsync(clients, sourceTable, targetTables, interrupt).ConfigureAwait(false);
            var created = new List<string>();
            var tables = targetTables.Prepend(sourceTable).ToList();
            foreach (var table in tables)
            {
                created.AddRange((await SideTables.EnsureAsync(clients.DynamoDb(table), table.RequestName, interrupt).ConfigureAwait(false)).Select(name => $"{table.Region}:{name}"));
            }

            if (parsed.GetValue(output) == OutputFormat.Json)
            {
                console.Profile.Out.Writer.WriteLine(JsonText.Render(writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteStartArray("created");
                    created.ForEach(writer.WriteStringValue);
                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }));
            }
            else
            {
                console.MarkupLine(Markup.Escape(created.Count == 0
                    ? $"Nothing to do: every side table of {string.Join(", ", tables)} exists."
                    : $"Created {string.Join(", ", created)}."));
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
