using Replicator.Applying;
using Replicator.Model;
using Replicator.Planning;
using Item = System.Collections.Generic.IReadOnlyDictionary<string, Replicator.Model.DynamoValue>;

namespace Replicator.Verification;

/// <summary>
/// Writes the source's re-read image over each confirmed difference (a delete where the source
/// has no item) through the engine's <see cref="Applier"/>, so throttled writes are retried until
/// done or <see cref="VerifySettings.RepairTimeout"/>, never dropped; then checks every written
/// key again. After one write fails, no more are attempted: they count as failed, so a run
/// against a target that refuses writes ends quickly and loudly.
/// </summary>
internal sealed class Repairer(Applier applier, Rereader reread, VerifySettings settings, TimeProvider time)
{
    private int _failed;

    public async Task RepairAsync(Tally tally, IReadOnlyList<(ItemKey Key, Item? Source)> confirmed, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _failed) != 0)
        {
            Interlocked.Add(ref tally.RepairFailed, confirmed.Count);
            tally.RepairError($"{confirmed.Count} difference(s) not repaired: an earlier repair write failed");
            return;
        }

        var actions = confirmed.Select(difference => difference.Source is null ? WriteAction.Remove(difference.Key) : WriteAction.Copy(difference.Key, difference.Source)).ToList();
        var results = await applier.ApplyAsync(tally.Target.Writer!, actions, time.GetUtcNow() + settings.RepairTimeout, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var written = new List<ItemKey>(results.Count);
        foreach (var result in results)
        {
            if (result.Status == ActionStatus.Applied)
            {
                written.Add(result.Action.Key);
            }
            else
            {
                Interlocked.Exchange(ref _failed, 1);
                Interlocked.Increment(ref tally.RepairFailed);
                tally.RepairError($"{(result.Action.Kind == WriteKind.Put ? "put" : "delete")} {result.Action.Key} on {tally.Target.Reader.Table}: {result.Error}");
            }
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = settings.MaxConcurrentRereads, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(written, options, async (key, token) =>
        {
            Interlocked.Increment(ref tally.Repaired);
            var (source, target) = await reread.BothAsync(tally.Target.Reader, key, token).ConfigureAwait(false);
            if (DifferenceSample.Classify(source, target) is { } kind)
            {
                tally.StillDiffers(kind, key, source, target);
            }
        }).ConfigureAwait(false);
    }
}
