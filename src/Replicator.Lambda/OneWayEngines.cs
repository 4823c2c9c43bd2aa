using Replicator.Applying;
using Replicator.Parsing;

namespace Replicator.Lambda;

/// <summary>One-way: one engine, built at start-up, for every batch whose source is not a target.</summary>
internal sealed class OneWayEngines(ReplicationEngine engine, IReadOnlyList<TargetTable> targets) : IEngineSource
{
    public EngineChoice For(ParsedBatch batch, Invocation invocation)
    {
        // Records without an eventSourceARN (not from a mapping) have no source to check against.
        foreach (var source in EventSource.TablesOf(batch))
        {
            if (EventSource.TargetIsSource(source, targets, invocation.FunctionArn) is { } refused)
            {
                return new EngineChoice.Refused(FunctionError.Of(ErrorTypes.TargetIsSource, refused));
            }
        }

        return new EngineChoice.Ready(engine);
    }
}
