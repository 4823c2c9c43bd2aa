using System.Collections.Concurrent;
using Replicator.Applying;
using Replicator.Model;
using Replicator.Planning;
using Replicator.Verification;
using Item = System.Collections.Generic.IReadOnlyDictionary<string, Replicator.Model.DynamoValue>;

namespace Replicator.Redrive;

/// <summary>
/// Writes the source's current items (a delete where it has none) to one target through the
/// engine's <see cref="Applier"/>, then, in one-way mode, reads those keys on the source again and
/// writes again any that changed meanwhile: the replicator may have written a newer change between
/// the read and the write, which the older write then set back. Once a re-read after the write
/// finds what was written, every later change reaches the target after it. In multi-active mode
/// the writer's version guards do that job. Counts items written and deleted.
/// </summary>
internal sealed class TargetRedrive(ITargetWriter writer, Applier applier, KeyLookup lookup, TableShape shape, ITableReader source, RedriveSettings settings, TimeProvider time)
{
    private long _written;
    private long _deleted;

    public TargetTable Target => writer.Target;

    public long Written => Interlocked.Read(ref _written);

    public long Deleted => Interlocked.Read(ref _deleted);

    /// <summary>The writes that did not become durable, by key, with why (the rest are durable).</summary>
    public async Task<IReadOnlyDictionary<ItemKey, (KeptReason Reason, string Detail)>> WriteAsync(IReadOnlyList<WriteAction> actions, CancellationToken cancellationToken)
    {
        var failed = new ConcurrentDictionary<ItemKey, (KeptReason, string)>();
        var pending = actions;
        for (var round = 1; pending.Count > 0; round++)
        {
            if (round > settings.MaxRounds)
            {
                foreach (var action in pending)
                {
                    failed[action.Key] = (KeptReason.SourceChanging, $"{action.Key} changed on the source in each of {settings.MaxRounds} rounds of write and re-read; the replicator brings its latest change, or run redrive again");
                }

                break;
            }

            var results = await applier.ApplyAsync(writer, pending, time.GetUtcNow() + settings.WriteTimeout, cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            var durable = new List<WriteAction>(results.Count);
            foreach (var result in results)
            {
                if (result.Status is ActionStatus.Applied or ActionStatus.Superseded)
                {
                    durable.Add(result.Action);
                    Interlocked.Increment(ref result.Action.Kind == WriteKind.Put ? ref _written : ref _deleted);
                }
                else
                {
                    failed[result.Action.Key] = (KeptReason.WriteFailed, $"{(result.Action.Kind == WriteKind.Put ? "put" : "delete")} {result.Action.Key} on {writer.Target}: {result.Error}");
                }
            }

            if (settings.MultiActive || durable.Count == 0)
            {
                break;
            }

            var now = await lookup.FindAsync(source, shape, [.. durable.Select(action => action.Key)], null, cancellationToken).ConfigureAwait(false);
            pending = [.. durable.Where(action => !Same(action, now.GetValueOrDefault(action.Key))).Select(action => Action(action.Key, now.GetValueOrDefault(action.Key)))];
        }

        return failed;
    }

    /// <summary>The write that makes the target hold <paramref name="item"/> (null: none).</summary>
    public static WriteAction Action(ItemKey key, Item? item) => item is null ? WriteAction.Remove(key) : WriteAction.Copy(key, item);

    private static bool Same(WriteAction written, Item? now) =>
        written.Kind == WriteKind.Delete ? now is null : now is not null && DynamoValue.MapsEqual(written.Item, now);
}
