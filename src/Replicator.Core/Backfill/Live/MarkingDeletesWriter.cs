using Replicator.Applying;
using Replicator.Planning;

namespace Replicator.Backfill.Live;

/// <summary>
/// The engine's writer for a target during a live copy: while <see cref="DeleteMode"/> says so,
/// every delete goes out as the put of a <see cref="DeleteMarker"/>, so that the copy (which
/// writes only where the target holds nothing for the key) cannot bring a deleted item back.
/// Puts pass unchanged; outcomes are reported on the engine's own actions, so an unprocessed
/// marker retried after the switch goes out as the plain delete it is. A put of an item that
/// carries the marker's attribute is refused as poison until the sweep is done: the sweep
/// would take it for a marker and delete it.
/// </summary>
public sealed class MarkingDeletesWriter(ITargetWriter inner, DeleteMode mode) : ITargetWriter
{
    private long _markers;

    public TargetTable Target => inner.Target;

    /// <summary>Deletes written as markers.</summary>
    public long MarkersWritten => Interlocked.Read(ref _markers);

    public async Task<BatchOutcome> WriteBatchAsync(IReadOnlyList<WriteAction> actions, CancellationToken cancellationToken)
    {
        // Poison for the batch: the applier then writes its actions one by one, and only that one is refused.
        if (actions.FirstOrDefault(LooksLikeAMarker) is { } marked && mode.MarkersMayStand)
        {
            return new BatchOutcome.Failed(Reserved(marked));
        }

        if (!actions.Any(action => action.Kind == WriteKind.Delete) || !mode.TryBeginMarkerWrite())
        {
            return await inner.WriteBatchAsync(actions, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            // Actions are their own identity (reference equality), so a marker maps back to its delete.
            var originals = new Dictionary<WriteAction, WriteAction>();
            var sent = actions.Select(action =>
            {
                if (action.Kind != WriteKind.Delete)
                {
                    return action;
                }

                var marker = DeleteMarker.For(action);
                originals[marker] = action;
                return marker;
            }).ToList();
            var outcome = await inner.WriteBatchAsync(sent, cancellationToken).ConfigureAwait(false);
            if (outcome is not BatchOutcome.Written written)
            {
                return outcome;
            }

            Interlocked.Add(ref _markers, originals.Count - written.Unprocessed.Count(originals.ContainsKey));
            return new BatchOutcome.Written([.. written.Unprocessed.Select(action => originals.GetValueOrDefault(action) ?? action)]);
        }
        finally
        {
            mode.EndMarkerWrite();
        }
    }

    public async Task<WriteOutcome> WriteOneAsync(WriteAction action, CancellationToken cancellationToken)
    {
        if (LooksLikeAMarker(action) && mode.MarkersMayStand)
        {
            return new WriteOutcome.Failed(Reserved(action));
        }

        if (action.Kind != WriteKind.Delete || !mode.TryBeginMarkerWrite())
        {
            return await inner.WriteOneAsync(action, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var outcome = await inner.WriteOneAsync(DeleteMarker.For(action), cancellationToken).ConfigureAwait(false);
            if (outcome is WriteOutcome.Written)
            {
                Interlocked.Increment(ref _markers);
            }

            return outcome;
        }
        finally
        {
            mode.EndMarkerWrite();
        }
    }

    private static bool LooksLikeAMarker(WriteAction action) => action.Kind == WriteKind.Put && DeleteMarker.IsMarker(action.Item);

    private static Refusal Reserved(WriteAction put) => new(
        TargetErrorKind.Poison,
        $"{put.Key}: the item has the attribute {DeleteMarker.Attribute}, which replicate --backfill reserves for its delete markers until the copy is done (its sweep would delete the item). " +
        "Rename the attribute in the application, or copy with replicator backfill instead (docs/backfill.md).");
}
