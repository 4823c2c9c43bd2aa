using Replicator.Applying;
using Replicator.MultiActive;
using Replicator.Parsing;
using Replicator.Planning;

namespace Replicator;

/// <summary>What differs between modes: how a batch is planned, and how the plan is applied. The engine does the rest.</summary>
internal interface IReplicationMode
{
    ReplicationPlan Plan(ParsedBatch batch);

    Task<AppliedPlan> ApplyAsync(ReplicationPlan plan, DateTimeOffset deadline, CancellationToken cancellationToken);
}

/// <summary>What one target did with each action of a plan.</summary>
internal sealed record TargetResults(TargetTable Target, IReadOnlyList<ActionResult> Results);

/// <summary>What a plan came to on every target, and, in multi-active mode, what was done and the conflicts found.</summary>
internal sealed record AppliedPlan(IReadOnlyList<TargetResults> Targets, MultiActiveCounts? Counts = null, IReadOnlyList<Conflict>? Conflicts = null);

/// <summary>
/// One-way: the batch coalesced to one write per key, each target written on its own
/// (BatchWriteItem). With a filter or projection, each key's last new image goes through the
/// selection: a put that no longer matches deletes the key, so the target converges on the
/// selected source whichever way an item crosses the filter.
/// </summary>
internal sealed class OneWayMode(IReadOnlyList<ITargetWriter> targets, Applier applier, TtlDeletes ttlDeletes, Filtering.ItemSelection selection) : IReplicationMode
{
    public ReplicationPlan Plan(ParsedBatch batch) => selection.Apply(Planner.Plan(batch, ttlDeletes));

    public async Task<AppliedPlan> ApplyAsync(ReplicationPlan plan, DateTimeOffset deadline, CancellationToken cancellationToken) =>
        new(await Task.WhenAll(targets.Select(async target =>
            new TargetResults(target.Target, await applier.ApplyAsync(target, plan.Actions, deadline, cancellationToken).ConfigureAwait(false)))).ConfigureAwait(false));
}

/// <summary>
/// Multi-active: each key's records versioned here and forwarded to every other region
/// (<see cref="MultiActiveApplier"/>). A key's outcome covers all regions at once, so the plan
/// has one target: the replica set, named by this region's table.
/// </summary>
internal sealed class MultiActiveMode(MultiActiveApplier applier) : IReplicationMode
{
    public ReplicationPlan Plan(ParsedBatch batch) => MultiActivePlanner.Plan(batch);

    public async Task<AppliedPlan> ApplyAsync(ReplicationPlan plan, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var results = await applier.ApplyAsync(plan.Keys ?? [], deadline, cancellationToken).ConfigureAwait(false);
        var byKey = results.ToDictionary(result => result.Key);
        var actions = new List<ActionResult>();
        foreach (var action in plan.Actions)
        {
            // A key the applier said nothing about gets no result, and the engine fails it closed.
            if (byKey.TryGetValue(action.Key, out var result))
            {
                actions.Add(new ActionResult(action, result.Fate switch
                {
                    KeyFate.Done => ActionStatus.Applied,
                    KeyFate.Poison => ActionStatus.Poison,
                    _ => ActionStatus.Failed,
                }, result.Error));
            }
        }

        var local = applier.Local;
        return new AppliedPlan(
            [new TargetResults(new TargetTable(local.Region, local.Table), actions)],
            results.Aggregate(MultiActiveCounts.None, (sum, result) => sum + result.Counts),
            [.. results.SelectMany(result => result.Conflicts)]);
    }
}
