using System.Diagnostics;
using Replicator.Applying;
using Replicator.Model;
using Replicator.MultiActive;
using Replicator.Parsing;
using Replicator.Planning;

namespace Replicator;

/// <summary>
/// The engine: parse → plan → apply to every target → dead letters → outcome. Hosts (the Lambda
/// function, the poller) give it records and a deadline and act on its report.
/// </summary>
public sealed class ReplicationEngine
{
    /// <summary>At most this many error messages are kept in a report (the counts are always whole).</summary>
    private const int MaxReportedErrors = 20;

    private readonly IReplicationMode _mode;
    private readonly IDeadLetterSink? _deadLetters;
    private readonly ReplicationSettings _settings;
    private readonly TimeProvider _time;

    /// <summary>One-way replication to <paramref name="targets"/> of what <paramref name="selection"/> selects (default: everything).</summary>
    public ReplicationEngine(IReadOnlyList<ITargetWriter> targets, IDeadLetterSink? deadLetters, ReplicationSettings settings, TimeProvider time, Random random, Filtering.ItemSelection? selection = null)
        : this(new OneWayMode(targets.Count > 0 ? targets : throw new ArgumentException("At least one target is needed.", nameof(targets)), new Applier(settings, time, random), settings.TtlDeletes, selection ?? Filtering.ItemSelection.All), deadLetters, settings, time)
    {
    }

    /// <summary>Multi-active replication of one region's table to the others of its set.</summary>
    public ReplicationEngine(MultiActiveApplier multiActive, IDeadLetterSink? deadLetters, ReplicationSettings settings, TimeProvider time)
        : this(new MultiActiveMode(multiActive), deadLetters, settings, time)
    {
    }

    private ReplicationEngine(IReplicationMode mode, IDeadLetterSink? deadLetters, ReplicationSettings settings, TimeProvider time)
    {
        _mode = mode;
        _deadLetters = deadLetters;
        _settings = settings;
        _time = time;
    }

    public Task<BatchReport> ProcessAsync(ReadOnlyMemory<byte> streamEventJson, DateTimeOffset deadline, CancellationToken cancellationToken) =>
        ProcessAsync(StreamEventParser.Parse(streamEventJson), deadline, cancellationToken);

    public async Task<BatchReport> ProcessAsync(ParsedBatch batch, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var plan = _mode.Plan(batch);
        var applyDeadline = ApplyDeadline(deadline);
        var lettersDeadline = DeadLettersDeadline(applyDeadline, deadline);

        var outcome = await _mode.ApplyAsync(plan, applyDeadline, cancellationToken).ConfigureAwait(false);

        var tally = new Tally(plan);
        var letters = new List<PendingLetter>();
        var latencies = new List<TargetLatency>();
        var now = _time.GetUtcNow();
        foreach (var (target, results) in outcome.Targets)
        {
            var applied = new List<double>();
            foreach (var (action, status, error) in results)
            {
                var failure = $"{target} {action.Key}: {error}";
                switch (status)
                {
                    case ActionStatus.Applied or ActionStatus.Superseded:
                        // Superseded: the target kept a newer change than this write; nothing is owed on it.
                        tally.Mark(action, Fate.Applied);
                        if (status == ActionStatus.Applied && action.EarliestCreationTime is { } created)
                        {
                            applied.Add(Math.Max(0, (now - created).TotalMilliseconds));
                        }

                        break;
                    case ActionStatus.Poison when _deadLetters is not null && action.LastRecord is { } record:
                        letters.Add(new PendingLetter.ForAction(new DeadLetter(target.ToString(), error ?? "refused by the target", record.SequenceNumber.Value, record.EventId, record.Raw), failure, action));
                        break;
                    default:
                        tally.Failed(action, failure);
                        break;
                }
            }

            // Fail closed: an action the applier said nothing about is not durable on this target.
            var answered = results.Select(result => result.Action).ToHashSet();
            foreach (var missing in plan.Actions.Where(action => !answered.Contains(action)))
            {
                tally.Failed(missing, $"{target} {missing.Key}: no outcome was reported for this write");
            }

            latencies.Add(new TargetLatency(target.Region, applied));
        }

        foreach (var problem in plan.Problems)
        {
            if (problem.CanDeadLetter && _deadLetters is not null)
            {
                letters.Add(new PendingLetter.ForRecord(new DeadLetter(null, problem.Error, problem.SequenceNumber?.Value, problem.EventId, problem.Raw), problem.Error, problem));
            }
            else
            {
                tally.FailedRecord(problem.SequenceNumber, problem.Error);
            }
        }

        var sendErrors = await SendDeadLettersAsync(letters, lettersDeadline, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < letters.Count; i++)
        {
            if (sendErrors[i] is { } sendError)
            {
                tally.Error(sendError);
            }

            switch (letters[i])
            {
                case PendingLetter.ForAction letter when sendErrors[i] is null:
                    tally.Mark(letter.Action, Fate.DeadLettered);
                    break;
                case PendingLetter.ForAction letter:
                    tally.Failed(letter.Action, letter.Failure);
                    break;
                case PendingLetter.ForRecord when sendErrors[i] is null:
                    tally.DeadLetteredRecord();
                    break;
                case PendingLetter.ForRecord letter:
                    tally.FailedRecord(letter.Problem.SequenceNumber, letter.Failure);
                    break;
            }
        }

        return tally.Report(latencies, _time.GetElapsedTime(started)) with { MultiActive = outcome.Counts, Conflicts = outcome.Conflicts ?? [] };
    }

    /// <summary>A poison write or an unreadable record on its way to the dead-letter queue, and the failure it counts as if it cannot be sent.</summary>
    private abstract record PendingLetter(DeadLetter Letter, string Failure)
    {
        public sealed record ForAction(DeadLetter Letter, string Failure, WriteAction Action) : PendingLetter(Letter, Failure);

        public sealed record ForRecord(DeadLetter Letter, string Failure, PlanProblem Problem) : PendingLetter(Letter, Failure);
    }

    /// <summary>
    /// Sends dead letters concurrently (bounded), until <paramref name="deadline"/> (see
    /// <see cref="DeadLettersDeadline"/>). Returns, per letter, why it could not be sent, or null.
    /// </summary>
    private async Task<string?[]> SendDeadLettersAsync(List<PendingLetter> letters, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var errors = new string?[letters.Count];
        if (letters.Count == 0 || _deadLetters is not { } sink)
        {
            return errors;
        }

        using var stop = new DeadlineScope(deadline, _time, cancellationToken);
        await Parallel.ForEachAsync(
            Enumerable.Range(0, letters.Count),
            new ParallelOptions { MaxDegreeOfParallelism = ReplicationOptions.MaxConcurrentDeadLetters },
            async (i, _) =>
            {
                var letter = letters[i].Letter;
                try
                {
                    await sink.SendAsync(letter, stop.Token).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    var reason = e is OperationCanceledException && stop.Token.IsCancellationRequested ? "the deadline passed" : e.Message;
                    errors[i] = $"could not dead-letter record {letter.SequenceNumber ?? "(no sequence number)"}: {reason}";
                }
            }).ConfigureAwait(false);
        return errors;
    }

    /// <summary>
    /// Dead letters get the first two thirds of the reserve after apply stops; the last third (1 s
    /// of the default 3 s) is left for the response and the log line, which nobody sends if Lambda
    /// stops the function at its deadline.
    /// </summary>
    private static DateTimeOffset DeadLettersDeadline(DateTimeOffset applyDeadline, DateTimeOffset deadline) =>
        applyDeadline + TimeSpan.FromTicks((deadline - applyDeadline).Ticks * 2 / 3);

    /// <summary>Apply stops short of the host's deadline by the reserve (at most half the time left), to leave time to report.</summary>
    private DateTimeOffset ApplyDeadline(DateTimeOffset deadline)
    {
        var remaining = deadline - _time.GetUtcNow();
        var reserve = remaining > TimeSpan.Zero ? TimeSpan.FromTicks(Math.Min(_settings.DeadlineReserve.Ticks, remaining.Ticks / 2)) : TimeSpan.Zero;
        return deadline - reserve;
    }

    /// <summary>What became of an action across all targets: the worst of what each target did with it.</summary>
    private enum Fate : byte { Applied, DeadLettered, Failed }

    /// <summary>Counts records by fate. An action failed on any target is failed; dead-lettered on any (and failed on none), dead-lettered.</summary>
    private sealed class Tally(ReplicationPlan plan)
    {
        private readonly Dictionary<WriteAction, Fate> _fates = [];
        private readonly List<string> _errors = [];
        private int _problemsDeadLettered;
        private int _problemsFailed;
        private SequenceNumber? _firstFailure;
        private bool _failedWithoutPosition;

        /// <summary>Records what one target did with an action; the worst fate across targets stands.</summary>
        public void Mark(WriteAction action, Fate fate) =>
            _fates[action] = _fates.TryGetValue(action, out var known) && known > fate ? known : fate;

        public void Failed(WriteAction action, string error)
        {
            Mark(action, Fate.Failed);
            Note(action.FirstSequenceNumber);
            Error(error);
        }

        public void DeadLetteredRecord() => _problemsDeadLettered++;

        public void FailedRecord(SequenceNumber? sequenceNumber, string error)
        {
            _problemsFailed++;
            Error(error);
            if ((sequenceNumber ?? plan.FirstSequenceNumber) is { } position)
            {
                // A record without a sequence number fails from the start of the batch: the whole batch is retried.
                Note(position);
            }
            else
            {
                _failedWithoutPosition = true;
            }
        }

        public void Error(string error)
        {
            if (_errors.Count < MaxReportedErrors)
            {
                _errors.Add(error);
            }
        }

        private void Note(SequenceNumber sequenceNumber) =>
            _firstFailure = _firstFailure is { } first ? SequenceNumber.Min(first, sequenceNumber) : sequenceNumber;

        private int Records(Fate fate) => plan.Actions.Where(action => _fates.GetValueOrDefault(action) == fate).Sum(action => action.RecordCount);

        public BatchReport Report(IReadOnlyList<TargetLatency> latencies, TimeSpan duration) =>
            new(
                RecordsIn: plan.RecordCount,
                Keys: plan.Actions.Count,
                RecordsApplied: Records(Fate.Applied),
                RecordsSkipped: plan.SkippedTtlDeletes + plan.SkippedOutsideFilter,
                RecordsDeadLettered: Records(Fate.DeadLettered) + _problemsDeadLettered,
                RecordsFailed: Records(Fate.Failed) + _problemsFailed,
                FirstFailure: _firstFailure,
                Errors: _errors,
                Latencies: latencies,
                Duration: duration)
            {
                FailedWithoutPosition = _failedWithoutPosition,
            };
    }
}
