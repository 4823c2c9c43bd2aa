using System.Collections.Concurrent;
using Replicator.Model;
using Item = System.Collections.Generic.IReadOnlyDictionary<string, Replicator.Model.DynamoValue>;

namespace Replicator.Verification;

/// <summary>
/// Decides whether a key that differed on its first read is a difference: once
/// <see cref="VerifySettings.Settle"/> has passed since that read, both sides are read again,
/// strongly consistent. A key that now agrees was a change in flight, not a difference; the rest
/// are counted as the re-read saw them (and, with repair, handed to the <see cref="Repairer"/>).
/// </summary>
internal sealed class Confirmation(Rereader reread, Repairer? repairer, VerifySettings settings, TimeProvider time, VerifyProgress progress)
{
    /// <param name="passOne">The keys come from the source's scan (pass one), not a target's (pass two).</param>
    public async Task ConfirmAsync(Tally tally, IReadOnlyList<ItemKey> suspects, DateTimeOffset firstRead, bool passOne, CancellationToken cancellationToken)
    {
        if (suspects.Count == 0)
        {
            return;
        }

        var wait = firstRead + settings.Settle - time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }

        var confirmed = new ConcurrentBag<(ItemKey Key, Item? Source)>();
        var options = new ParallelOptions { MaxDegreeOfParallelism = settings.MaxConcurrentRereads, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(suspects, options, async (key, token) =>
        {
            var (source, target) = await reread.BothAsync(tally.Target.Reader, key, token).ConfigureAwait(false);
            if (DifferenceSample.Classify(source, target) is not { } kind)
            {
                Interlocked.Increment(ref tally.SettledOnReread);
                if (passOne)
                {
                    Interlocked.Increment(ref tally.Matched);
                }

                return;
            }

            if (!passOne && tally.CountedInPassOne(key))
            {
                return;
            }

            tally.Found(kind, key, source, target, passOne);
            progress.Differed();
            confirmed.Add((key, source));
        }).ConfigureAwait(false);

        if (repairer is not null && !confirmed.IsEmpty)
        {
            await repairer.RepairAsync(tally, [.. confirmed], cancellationToken).ConfigureAwait(false);
        }
    }
}
