using System.Collections.Concurrent;
using Replicator.Applying;
using Replicator.MultiActive;
using Replicator.Parsing;

namespace Replicator.Lambda;

/// <summary>
/// Multi-active: the local replica is the table whose stream the event comes from
/// (<c>eventSourceARN</c>: its region and name), the peers are the targets. The engine is per
/// local replica, so it is built on the first batch from a table and kept for the next ones.
/// </summary>
/// <param name="regionTables">The tables of a region, by region name (DynamoDB in the function, memory in tests).</param>
/// <param name="peerTables">A peer's region's tables as that peer is reached (signed with its role, when it has one); null: <paramref name="regionTables"/>.</param>
internal sealed class MultiActiveEngines(
    Func<string, IRegionTables> regionTables,
    IReadOnlyList<TargetTable> peers,
    MultiActiveSettings multiActive,
    ReplicationSettings settings,
    IDeadLetterSink? deadLetters,
    TimeProvider time,
    Random random,
    Func<TargetTable, IRegionTables>? peerTables = null) : IEngineSource
{
    private readonly ConcurrentDictionary<string, IRegionTables> _regions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<TableIdentity, (ReplicationEngine Engine, string Table)> _engines = new();

    /// <summary>Makes the peers' region tables now, so that a peer in a region that does not exist stops the function at start-up.</summary>
    public MultiActiveEngines Prepared()
    {
        foreach (var peer in peers)
        {
            Region(peer.Region);
        }

        return this;
    }

    public EngineChoice For(ParsedBatch batch, Invocation invocation)
    {
        var sources = EventSource.TablesOf(batch);
        if (sources.Count != 1)
        {
            var which = sources.Count == 0 ? "no record names one" : $"the records name {string.Join(" and ", sources)}";
            return Refuse(
                ErrorTypes.UnknownSource,
                $"with {LambdaConfiguration.ModeVariable}=multi-active the local table is the one whose stream the event comes from (each record's eventSourceARN), but {which}; nothing of this batch was written. The function must be fed by one event source mapping on its own region's table.");
        }

        var source = sources[0];
        if (EventSource.TargetIsSource(source, peers, invocation.FunctionArn) is { } refused)
        {
            return Refuse(ErrorTypes.TargetIsSource, refused);
        }

        if (peers.FirstOrDefault(peer => peer.Region == source.Region) is { } neighbour)
        {
            return Refuse(
                ErrorTypes.TargetIsSource,
                $"{LambdaConfiguration.TargetsVariable}: {neighbour} is in {source.Region}, the region of the event's table {source}; with {LambdaConfiguration.ModeVariable}=multi-active each region holds one replica, so a peer must be in another region. Nothing of this batch was written.");
        }

        var (engine, table) = _engines.GetOrAdd(source, Build, invocation.FunctionArn);
        return new EngineChoice.Ready(engine, table);
    }

    private (ReplicationEngine, string) Build(TableIdentity source, string? functionArn)
    {
        var local = new Replica(source.Region, source.Name, Region(source.Region));
        var replicas = peers.Select(peer => new Replica(peer.Region, PeerTableName(peer, source, functionArn), peerTables?.Invoke(peer) ?? Region(peer.Region))).ToList();
        var applier = new MultiActiveApplier(local, replicas, multiActive, settings, time, random);
        return (new ReplicationEngine(applier, deadLetters, settings, time), source.Name);
    }

    /// <summary>
    /// A peer in the local table's account is named by its name (its side tables are named after
    /// it); one in another account by its ARN, which DynamoDB takes as a table name, and whose side
    /// tables' ARNs are then the ARN with the suffix.
    /// </summary>
    private static string PeerTableName(TargetTable peer, TableIdentity source, string? functionArn) =>
        EventSource.Resolve(peer, source, functionArn).Account == source.Account ? peer.TableName : peer.RequestName;

    private IRegionTables Region(string region) => _regions.GetOrAdd(region, regionTables);

    private static EngineChoice.Refused Refuse(string errorType, string message) => new(FunctionError.Of(errorType, message));
}
