using System.Collections.Concurrent;
using Replicator.Applying;
using Replicator.Model;
using Replicator.Planning;
using Replicator.Retrying;

namespace Replicator.Verification;

/// <summary>A table to verify against the source, and (for repair) the writer that writes to it.</summary>
public sealed record VerifyTarget(ITableReader Reader, ITargetWriter? Writer);

/// <summary>Verify's settings; the host validates the ones a user gives.</summary>
public sealed record VerifySettings
{
    /// <summary>TotalSegments of each parallel scan (1 to <see cref="ReplicationOptions.MaxScanSegments"/>).</summary>
    public int Segments { get; init; } = ReplicationOptions.DefaultScanSegments;

    /// <summary>Write the source's current image over each confirmed difference (or delete an extra item), then check it again.</summary>
    public bool Repair { get; init; }

    /// <summary>
    /// How long after a first read that differs both sides are read again: longer than the
    /// replication lag, a change in flight has landed on the target by then and is not reported.
    /// </summary>
    public TimeSpan Settle { get; init; } = ReplicationOptions.DefaultSettle;

    /// <summary>Differences kept as samples, per kind and target (the counts are always whole).</summary>
    public int SampleLimit { get; init; } = 5;

    /// <summary>Consistent GetItem re-reads in flight at once, per scan segment.</summary>
    public int MaxConcurrentRereads { get; init; } = 16;

    /// <summary>BatchGetItem requests in flight at once, per scan segment and table.</summary>
    public int MaxConcurrentBatchGets { get; init; } = 4;

    public TimeSpan BaseRetryDelay { get; init; } = ReplicationOptions.DefaultBaseRetryDelay;

    public TimeSpan MaxRetryDelay { get; init; } = ReplicationOptions.DefaultMaxRetryDelay;

    /// <summary>A read that makes no progress for this long (throttled, or the endpoint failing) stops verify with an error.</summary>
    public TimeSpan GiveUpAfter { get; init; } = ReplicationOptions.DefaultReadGiveUpAfter;

    /// <summary>How long one batch of repair writes may take, retries of throttled writes included, before it counts as failed.</summary>
    public TimeSpan RepairTimeout { get; init; } = ReplicationOptions.DefaultRepairTimeout;
}

/// <summary>
/// Proves (or disproves) that targets hold the source's items. Pass one scans the source in
/// parallel (strongly consistent) and reads each page's keys from every target with BatchGetItem;
/// pass two scans each target's keys and looks them up on the source, to find extra items.
/// Values compare semantically (sets unordered, numbers as decimals, binary as bytes). A key that
/// differs is read again on both sides with strongly consistent GetItem, a little later
/// (<see cref="VerifySettings.Settle"/>), and only a difference the re-read confirms is counted:
/// a change in flight is not a divergence. With repair, each confirmed difference gets the
/// source's re-read image (a put, or a delete when the source has no such item) through the
/// engine's <see cref="Applier"/>, so throttled writes are retried, never dropped, and every
/// repaired key is checked once more. Unprocessed keys, throttling and 5xx are retried with
/// capped, jittered backoff; a read that makes no progress for <see cref="VerifySettings.GiveUpAfter"/>
/// stops verify with a <see cref="TableReadException"/>.
/// </summary>
public sealed class TableVerifier
{
    private readonly ITableReader _source;
    private readonly IReadOnlyList<VerifyTarget> _targets;
    private readonly VerifySettings _settings;
    private readonly TimeProvider _time;
    private readonly Backoff _backoff;
    private readonly Applier _applier;
    private int _repairFailed;

    public TableVerifier(ITableReader source, IReadOnlyList<VerifyTarget> targets, VerifySettings settings, TimeProvider time, Random random)
    {
        if (targets.Count == 0)
        {
            throw new ArgumentException("At least one target is needed.", nameof(targets));
        }

        if (settings.Segments is < 1 or > ReplicationOptions.MaxScanSegments)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.Segments, $"Segments must be 1 to {ReplicationOptions.MaxScanSegments}.");
        }

        if (settings.Repair && targets.Any(target => target.Writer is null))
        {
            throw new ArgumentException("Repair needs a writer for every target.", nameof(targets));
        }

        _source = source;
        _targets = targets;
        _settings = settings;
        _time = time;
        _backoff = new Backoff(settings.BaseRetryDelay, settings.MaxRetryDelay, random);
        _applier = new Applier(new ReplicationSettings { BaseRetryDelay = settings.BaseRetryDelay, MaxRetryDelay = settings.MaxRetryDelay }, time, random);
    }

    public VerifyProgress Progress { get; } = new();

    /// <summary>
    /// Runs both passes. Throws <see cref="VerificationSetupException"/> when a table does not exist
    /// or a target's key differs from the source's, and <see cref="TableReadException"/> when reads
    /// keep failing.
    /// </summary>
    public async Task<VerifyReport> RunAsync(CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        Progress.Enter("Describing");
        var shape = await DescribeAsync(_source, "--source", cancellationToken).ConfigureAwait(false);
        var total = shape.ApproximateItemCount;
        var tallies = new List<Tally>(_targets.Count);
        foreach (var target in _targets)
        {
            var targetShape = await DescribeAsync(target.Reader, "--target", cancellationToken).ConfigureAwait(false);
            if (!shape.SameKeyAs(targetShape))
            {
                throw new VerificationSetupException(
                    $"--target: {target.Reader.Table} has the key {targetShape.DescribeKey()}, but the source {_source.Table} has {shape.DescribeKey()}. " +
                    "Verify compares tables with the same key schema.");
            }

            total += targetShape.ApproximateItemCount;
            tallies.Add(new Tally(target, _settings.SampleLimit));
        }

        Progress.Expect(total);
        Progress.Enter("Comparing");
        var sourceItems = await ScanSourceAsync(shape, tallies, cancellationToken).ConfigureAwait(false);
        foreach (var tally in tallies)
        {
            Progress.Enter($"Extras on {tally.Target.Reader.Table}");
            await ScanTargetAsync(shape, tally, cancellationToken).ConfigureAwait(false);
        }

        Progress.Enter("Done");
        return new VerifyReport(_source.Table, sourceItems, tallies.Select(tally => tally.Report(_settings.Repair)).ToList(), _time.GetElapsedTime(started), _settings.Repair);
    }

    private async Task<TableShape> DescribeAsync(ITableReader reader, string option, CancellationToken cancellationToken) =>
        await ReadAsync(token => reader.DescribeAsync(token), $"DescribeTable on {reader.Table}", cancellationToken).ConfigureAwait(false)
        ?? throw new VerificationSetupException($"{option}: table {reader.Table} does not exist.");

    /// <summary>Pass one: every source item, compared with every target's.</summary>
    private async Task<long> ScanSourceAsync(TableShape shape, IReadOnlyList<Tally> tallies, CancellationToken cancellationToken)
    {
        long scanned = 0;
        await ForEachSegmentAsync(_source, null, cancellationToken, async (page, read, token) =>
        {
            Interlocked.Add(ref scanned, page.Items.Count);
            var items = page.Items.Select(item => (Key: shape.KeyOf(item), Item: item)).ToList();
            await Task.WhenAll(tallies.Select(tally => CompareAsync(shape, items, tally, read, token))).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return scanned;
    }

    private async Task CompareAsync(TableShape shape, List<(ItemKey Key, IReadOnlyDictionary<string, DynamoValue> Item)> items, Tally tally, DateTimeOffset read, CancellationToken cancellationToken)
    {
        if (items.Count == 0)
        {
            return;
        }

        var found = await BatchGetAsync(tally.Target.Reader, shape, items.Select(item => item.Key).ToList(), null, cancellationToken).ConfigureAwait(false);
        var suspects = new List<ItemKey>();
        foreach (var (key, item) in items)
        {
            Interlocked.Increment(ref tally.Compared);
            if (found.TryGetValue(key, out var other) && DynamoValue.MapsEqual(item, other))
            {
                Interlocked.Increment(ref tally.Matched);
            }
            else
            {
                suspects.Add(key);
            }
        }

        await ConfirmAsync(tally, suspects, read, fromSource: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Pass two: every key of one target, looked up on the source, so items the source lacks are found.</summary>
    private Task ScanTargetAsync(TableShape shape, Tally tally, CancellationToken cancellationToken) =>
        ForEachSegmentAsync(tally.Target.Reader, shape.KeyNames, cancellationToken, async (page, read, token) =>
        {
            Interlocked.Add(ref tally.TargetItemsScanned, page.Items.Count);
            if (page.Items.Count == 0)
            {
                return;
            }

            var keys = page.Items.Select(shape.KeyOf).ToList();
            var onSource = await BatchGetAsync(_source, shape, keys, shape.KeyNames, token).ConfigureAwait(false);
            await ConfirmAsync(tally, keys.Where(key => !onSource.ContainsKey(key)).ToList(), read, fromSource: false, token).ConfigureAwait(false);
        });

    /// <summary>A strongly consistent parallel scan of <paramref name="reader"/>'s table, each page handed to <paramref name="onPage"/> with the time it was read.</summary>
    private async Task ForEachSegmentAsync(ITableReader reader, IReadOnlyList<string>? projection, CancellationToken cancellationToken, Func<ScanPage, DateTimeOffset, CancellationToken, Task> onPage)
    {
        var segments = _settings.Segments;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Min(segments, ReplicationOptions.MaxConcurrentSegments), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, segments), options, async (segment, token) =>
        {
            IReadOnlyDictionary<string, DynamoValue>? start = null;
            do
            {
                var from = start;
                var page = await ReadAsync(t => reader.ScanAsync(segment, segments, from, projection, t), $"Scan of {reader.Table} (segment {segment} of {segments})", token).ConfigureAwait(false);
                Progress.Scanned(page.Items.Count);
                await onPage(page, _time.GetUtcNow(), token).ConfigureAwait(false);
                start = page.LastEvaluatedKey;
            }
            while (start is not null);
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// The items with these keys (absent ones left out), by BatchGetItem in requests of at most 100
    /// keys, unprocessed keys and retryable errors retried with backoff.
    /// </summary>
    private async Task<IReadOnlyDictionary<ItemKey, IReadOnlyDictionary<string, DynamoValue>>> BatchGetAsync(
        ITableReader reader, TableShape shape, IReadOnlyList<ItemKey> keys, IReadOnlyList<string>? projection, CancellationToken cancellationToken)
    {
        var found = new ConcurrentDictionary<ItemKey, IReadOnlyDictionary<string, DynamoValue>>();
        var options = new ParallelOptions { MaxDegreeOfParallelism = _settings.MaxConcurrentBatchGets, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(keys.Chunk(ReplicationOptions.MaxBatchGetKeys), options, async (chunk, token) =>
        {
            IReadOnlyList<ItemKey> pending = chunk;
            var since = _time.GetUtcNow();
            for (var attempt = 0; ; attempt++)
            {
                string problem;
                try
                {
                    var result = await reader.BatchGetAsync(pending, projection, token).ConfigureAwait(false);
                    foreach (var item in result.Items)
                    {
                        found[shape.KeyOf(item)] = item;
                    }

                    if (result.Unprocessed.Count == 0)
                    {
                        return;
                    }

                    if (result.Unprocessed.Count < pending.Count)
                    {
                        since = _time.GetUtcNow();
                    }

                    pending = result.Unprocessed;
                    problem = $"{pending.Count} key(s) left unprocessed (throttled)";
                }
                catch (TableReadException e) when (e.Retryable)
                {
                    problem = e.Message;
                }

                await PauseAsync(attempt, since, $"BatchGetItem on {reader.Table}", problem, token).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        return found;
    }

    /// <summary>
    /// Reads each suspect key again on both sides, strongly consistent, once <see cref="VerifySettings.Settle"/>
    /// has passed since the first read. A key that now agrees is not a difference; the rest are
    /// counted (and repaired, with repair).
    /// </summary>
    private async Task ConfirmAsync(Tally tally, IReadOnlyList<ItemKey> suspects, DateTimeOffset firstRead, bool fromSource, CancellationToken cancellationToken)
    {
        if (suspects.Count == 0)
        {
            return;
        }

        var wait = firstRead + _settings.Settle - _time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }

        var confirmed = new ConcurrentBag<(ItemKey Key, IReadOnlyDictionary<string, DynamoValue>? Source)>();
        var options = new ParallelOptions { MaxDegreeOfParallelism = _settings.MaxConcurrentRereads, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(suspects, options, async (key, token) =>
        {
            var (source, target) = await RereadAsync(tally, key, token).ConfigureAwait(false);
            if (DifferenceSample.Classify(source, target) is not { } kind)
            {
                Interlocked.Increment(ref tally.SettledOnReread);
                if (fromSource)
                {
                    Interlocked.Increment(ref tally.Matched);
                }

                return;
            }

            if (!fromSource && tally.CountedInPassOne(key))
            {
                return;
            }

            tally.Found(kind, key, source, target, fromSource);
            Progress.Differed();
            confirmed.Add((key, source));
        }).ConfigureAwait(false);

        if (_settings.Repair && !confirmed.IsEmpty)
        {
            await RepairAsync(tally, [.. confirmed], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The source first, then the target: a change replicating meanwhile has had the longest time to land.</summary>
    private async Task<(IReadOnlyDictionary<string, DynamoValue>? Source, IReadOnlyDictionary<string, DynamoValue>? Target)> RereadAsync(Tally tally, ItemKey key, CancellationToken cancellationToken)
    {
        var source = await ReadAsync(token => _source.GetAsync(key, token), $"GetItem on {_source.Table}", cancellationToken).ConfigureAwait(false);
        var target = await ReadAsync(token => tally.Target.Reader.GetAsync(key, token), $"GetItem on {tally.Target.Reader.Table}", cancellationToken).ConfigureAwait(false);
        return (source, target);
    }

    /// <summary>
    /// Writes the source's re-read image over each confirmed difference (a delete where the source
    /// has no item), retried by the applier until done or <see cref="VerifySettings.RepairTimeout"/>;
    /// then checks every written key again. After one write fails, no more are attempted: they
    /// count as failed, so a run against a target that refuses writes ends quickly and loudly.
    /// </summary>
    private async Task RepairAsync(Tally tally, IReadOnlyList<(ItemKey Key, IReadOnlyDictionary<string, DynamoValue>? Source)> confirmed, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _repairFailed) != 0)
        {
            Interlocked.Add(ref tally.RepairFailed, confirmed.Count);
            tally.RepairError($"{confirmed.Count} difference(s) not repaired: an earlier repair write failed");
            return;
        }

        var actions = confirmed.Select(difference => difference.Source is null ? WriteAction.Remove(difference.Key) : WriteAction.Copy(difference.Key, difference.Source)).ToList();
        var results = await _applier.ApplyAsync(tally.Target.Writer!, actions, _time.GetUtcNow() + _settings.RepairTimeout, cancellationToken).ConfigureAwait(false);
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
                Interlocked.Exchange(ref _repairFailed, 1);
                Interlocked.Increment(ref tally.RepairFailed);
                tally.RepairError($"{(result.Action.Kind == WriteKind.Put ? "put" : "delete")} {result.Action.Key} on {tally.Target.Reader.Table}: {result.Error}");
            }
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = _settings.MaxConcurrentRereads, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(written, options, async (key, token) =>
        {
            Interlocked.Increment(ref tally.Repaired);
            var (source, target) = await RereadAsync(tally, key, token).ConfigureAwait(false);
            if (DifferenceSample.Classify(source, target) is { } kind)
            {
                tally.StillDiffers(kind, key, source, target);
            }
        }).ConfigureAwait(false);
    }

    private async Task<T> ReadAsync<T>(Func<CancellationToken, Task<T>> read, string what, CancellationToken cancellationToken)
    {
        var since = _time.GetUtcNow();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await read(cancellationToken).ConfigureAwait(false);
            }
            catch (TableReadException e) when (e.Retryable)
            {
                await PauseAsync(attempt, since, what, e.Message, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Waits before the next attempt, or gives up when there has been no progress for <see cref="VerifySettings.GiveUpAfter"/>.</summary>
    private async Task PauseAsync(int attempt, DateTimeOffset since, string what, string problem, CancellationToken cancellationToken)
    {
        var delay = _backoff.Delay(attempt);
        if (_time.GetUtcNow() + delay - since > _settings.GiveUpAfter)
        {
            throw new TableReadException($"{what}: no progress for {_settings.GiveUpAfter.TotalSeconds:0} s ({attempt + 1} attempts); last error: {problem}", retryable: false);
        }

        await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One target's counts and samples, updated by many segments at once.</summary>
    private sealed class Tally(VerifyTarget target, int sampleLimit)
    {
        /// <summary>At most this many repair errors are kept (the count is always whole).</summary>
        private const int MaxRepairErrors = 20;

        public readonly VerifyTarget Target = target;
        public long Compared;
        public long Matched;
        public long SettledOnReread;
        public long TargetItemsScanned;
        public long Repaired;
        public long RepairFailed;
        private readonly long[] _byKind = new long[3];
        private long _stillDifferent;
        private readonly List<DifferenceSample> _samples = [];
        private readonly List<DifferenceSample> _stillDifferentSamples = [];
        private readonly List<string> _repairErrors = [];

        /// <summary>
        /// Keys that pass one counted while the target held them (extra or different): pass two,
        /// which looks at the target's keys, must not count them again should the source lose them
        /// meanwhile. As many as such differences, so small unless the target is far off.
        /// </summary>
        private readonly ConcurrentDictionary<ItemKey, byte> _onTargetInPassOne = new();

        public bool CountedInPassOne(ItemKey key) => _onTargetInPassOne.ContainsKey(key);

        public void Found(Divergence kind, ItemKey key, IReadOnlyDictionary<string, DynamoValue>? source, IReadOnlyDictionary<string, DynamoValue>? target, bool passOne)
        {
            if (passOne && target is not null)
            {
                _onTargetInPassOne.TryAdd(key, 0);
            }

            Interlocked.Increment(ref _byKind[(int)kind]);
            lock (_samples)
            {
                if (_samples.Count(sample => sample.Kind == kind) < sampleLimit)
                {
                    _samples.Add(Sample(kind, key, source, target));
                }
            }
        }

        public void StillDiffers(Divergence kind, ItemKey key, IReadOnlyDictionary<string, DynamoValue>? source, IReadOnlyDictionary<string, DynamoValue>? target)
        {
            Interlocked.Increment(ref _stillDifferent);
            lock (_stillDifferentSamples)
            {
                if (_stillDifferentSamples.Count < sampleLimit)
                {
                    _stillDifferentSamples.Add(Sample(kind, key, source, target));
                }
            }
        }

        /// <summary>The key is shown on its own, so its attributes are left out of the list of differences.</summary>
        private static DifferenceSample Sample(Divergence kind, ItemKey key, IReadOnlyDictionary<string, DynamoValue>? source, IReadOnlyDictionary<string, DynamoValue>? target) =>
            new(kind, key, DifferenceSample.Compare(source, target).Where(attribute => !key.Attributes.ContainsKey(attribute.Name)).ToList());

        public void RepairError(string error)
        {
            lock (_repairErrors)
            {
                if (_repairErrors.Count < MaxRepairErrors)
                {
                    _repairErrors.Add(error);
                }
            }
        }

        public TargetReport Report(bool repair)
        {
            lock (_samples)
            {
                var samples = _samples.OrderBy(sample => sample.Kind).ToList();
                var repairReport = repair
                    ? new RepairReport(Interlocked.Read(ref Repaired), Interlocked.Read(ref RepairFailed), Interlocked.Read(ref _stillDifferent), [.. _stillDifferentSamples], [.. _repairErrors])
                    : null;
                return new TargetReport(
                    Target.Reader.Table,
                    Interlocked.Read(ref Compared),
                    Interlocked.Read(ref Matched),
                    Interlocked.Read(ref _byKind[(int)Divergence.Missing]),
                    Interlocked.Read(ref _byKind[(int)Divergence.Extra]),
                    Interlocked.Read(ref _byKind[(int)Divergence.Different]),
                    Interlocked.Read(ref SettledOnReread),
                    Interlocked.Read(ref TargetItemsScanned),
                    samples,
                    repairReport);
            }
        }
    }
}
