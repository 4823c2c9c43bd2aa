using System.Collections.Concurrent;
using Replicator.Applying;
using Replicator.Model;
using Replicator.Planning;
using Replicator.Retrying;
using Replicator.Streams;
using Replicator.Verification;

namespace Replicator.Redrive;

/// <summary>
/// Takes letters out of a dead-letter or on-failure queue after the operator fixed their cause:
/// for each, the keys it concerns are read again on the source, strongly consistent, and the
/// source's current item (or its absence: a delete) is written to the targets it names; never the
/// letter's old image, so a redrive cannot set a key back behind newer changes. Letters are taken
/// ten at a time, their keys read in batches and written in batches; a letter is deleted from its
/// queue only once its writes are durable on every target it names. One that fails stays (hidden
/// until its visibility timeout) and is reported with its reason. A dry run writes and deletes
/// nothing, lists the writes it would make, and makes every letter visible again at the end.
/// </summary>
public sealed class Redriver
{
    /// <summary>Receives in a row that bring only letters this run has worked already, after which it stops.</summary>
    private const int MaxStaleReceives = 3;

    private readonly ILetterQueue _queue;
    private readonly ITableReader _source;
    private readonly IReadOnlyList<ITargetWriter> _writers;
    private readonly RedriveSettings _settings;
    private readonly TimeProvider _time;
    private readonly RetriedReads _reads;
    private readonly KeyLookup _lookup;
    private readonly Applier _applier;
    private readonly RangeReader _ranges;

    public Redriver(ILetterQueue queue, ITableReader source, IReadOnlyList<ITargetWriter> writers, IStreamsApi streams, RedriveSettings settings, TimeProvider time, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfZero(writers.Count, nameof(writers));
        (_queue, _source, _writers, _settings, _time) = (queue, source, writers, settings, time);
        var retry = new Retry(settings.BaseRetryDelay, settings.MaxRetryDelay, time, random);
        _reads = new RetriedReads(retry, settings.ReadGiveUpAfter);
        _lookup = new KeyLookup(_reads, ReplicationOptions.DefaultMaxConcurrentBatchGets);
        _applier = new Applier(new ReplicationSettings { BaseRetryDelay = settings.BaseRetryDelay, MaxRetryDelay = settings.MaxRetryDelay }, time, random);
        _ranges = new RangeReader(streams, retry, time);
    }

    public RedriveCounters Counters { get; } = new();

    public async Task<RedriveReport> RunAsync(CancellationToken cancellationToken)
    {
        var shape = await _reads.ReadAsync(_source.DescribeAsync, $"DescribeTable on {_source.Table}", cancellationToken).ConfigureAwait(false)
            ?? throw new TableReadException($"the source {_source.Table} does not exist", retryable: false);
        var targets = _writers.Select(writer => new TargetRedrive(writer, _applier, _lookup, shape, _source, _settings, _time)).ToList();
        var resolver = new LetterResolver(shape, [.. _writers.Select(writer => writer.Target)], _ranges, _settings);
        var kept = new List<KeptLetter>();
        var planned = new List<PlannedWrite>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var held = new List<QueuedMessage>();
        var (read, redriven, stale) = (0, 0, 0);
        try
        {
            while (_settings.MaxMessages is not { } max || read < max)
            {
                var want = Math.Min(RedriveSettings.MaxMessagesPerReceive, _settings.MaxMessages is { } most ? most - read : int.MaxValue);
                var messages = await _queue.ReceiveAsync(want, _settings.VisibilityTimeout, cancellationToken).ConfigureAwait(false);
                if (_settings.DryRun)
                {
                    held.AddRange(messages);
                }

                if (messages.Count == 0)
                {
                    break;
                }

                // A letter can come back within a run (its visibility timeout passed): it is not worked
                // twice. Answers of such letters only, a few in a row, mean nothing new is waiting.
                var fresh = messages.Where(message => seen.Add(message.MessageId)).ToList();
                stale = fresh.Count == 0 ? stale + 1 : 0;
                if (stale >= MaxStaleReceives)
                {
                    break;
                }

                if (fresh.Count == 0)
                {
                    continue;
                }

                read += fresh.Count;
                Counters.Read(fresh.Count);
                var (done, left) = await BatchAsync(resolver, targets, shape, fresh, planned, cancellationToken).ConfigureAwait(false);
                redriven += done;
                kept.AddRange(left);
                Counters.Done(done, left.Count);
            }
        }
        finally
        {
            if (held.Count > 0)
            {
                // Not cancellable: a dry run must leave the letters visible, even when interrupted.
                await _queue.ReleaseAsync(held, CancellationToken.None).ConfigureAwait(false);
            }
        }

        return new RedriveReport(_settings.DryRun, read, redriven, kept, [.. targets.Select(target => new TargetCount(target.Target, target.Written, target.Deleted))], planned);
    }

    private async Task<(int Redriven, IReadOnlyList<KeptLetter> Kept)> BatchAsync(LetterResolver resolver, IReadOnlyList<TargetRedrive> targets, TableShape shape, IReadOnlyList<QueuedMessage> messages, List<PlannedWrite> planned, CancellationToken cancellationToken)
    {
        var work = messages.Select(message => new LetterWork(message, LetterReader.Read(message.Body))).ToList();
        foreach (var letter in work)
        {
            await resolver.ResolveAsync(letter, cancellationToken).ConfigureAwait(false);
        }

        var needed = work.Where(letter => letter.Kept is null).SelectMany(letter => letter.Needs).ToList();
        var current = await _lookup.FindAsync(_source, shape, [.. needed.Select(need => need.Key).Distinct()], null, cancellationToken).ConfigureAwait(false);
        var failed = new ConcurrentDictionary<(ItemKey, TargetTable), (KeptReason Reason, string Detail)>();
        await Task.WhenAll(targets.Select(async target =>
        {
            var actions = new List<WriteAction>();
            foreach (var key in needed.Where(need => need.Target == target.Target).Select(need => need.Key).Distinct())
            {
                var item = current.GetValueOrDefault(key);
                if (item is null && _settings.MultiActive)
                {
                    failed[(key, target.Target)] = (KeptReason.MultiActiveDelete, $"the source no longer has {key}; in multi-active mode a redrive forwards no deletes (the source's replicator forwards each delete with its tombstone); check with verify --mode multi-active, then delete the letter");
                }
                else
                {
                    actions.Add(TargetRedrive.Action(key, item));
                }
            }

            if (_settings.DryRun)
            {
                lock (planned)
                {
                    planned.AddRange(actions.Select(action => new PlannedWrite(target.Target, action.Key, action.Kind)));
                }

                return;
            }

            foreach (var (key, why) in await target.WriteAsync(actions, cancellationToken).ConfigureAwait(false))
            {
                failed[(key, target.Target)] = why;
            }
        })).ConfigureAwait(false);

        foreach (var letter in work.Where(letter => letter.Kept is null))
        {
            foreach (var need in letter.Needs.Where(failed.ContainsKey))
            {
                var (reason, detail) = failed[need];
                letter.Keep(reason, detail);
            }
        }

        var durable = work.Where(letter => letter.Kept is null).ToList();
        if (!_settings.DryRun && durable.Count > 0)
        {
            // Only now, with every write of these letters durable on every target they name.
            var undeleted = await _queue.DeleteAsync([.. durable.Select(letter => letter.Message)], cancellationToken).ConfigureAwait(false);
            foreach (var letter in durable.Where(letter => undeleted.ContainsKey(letter.Message.MessageId)))
            {
                letter.Keep(KeptReason.DeleteFailed, $"written, but the queue did not delete the message ({undeleted[letter.Message.MessageId]}); it comes back after its visibility timeout, and a rerun redrives it again, harmlessly");
            }
        }

        var left = work.Where(letter => letter.Kept is not null).Select(letter => letter.Kept!).ToList();
        return (work.Count - left.Count, left);
    }
}
