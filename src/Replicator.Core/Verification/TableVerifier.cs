using Replicator.Applying;
using Replicator.Retrying;

namespace Replicator.Verification;

/// <summary>
/// Proves (or disproves) that targets hold the source's items. Pass one (<see cref="SourcePass"/>)
/// scans the source in parallel (strongly consistent) and reads each page's keys from every target
/// with BatchGetItem; pass two (<see cref="ExtrasPass"/>) scans each target's keys and looks them
/// up on the source, to find extra items. Values compare semantically (sets unordered, numbers as
/// decimals, binary as bytes). A key that differs is read again on both sides, a little later
/// (<see cref="Confirmation"/>), and only a difference the re-read confirms is counted: a change
/// in flight is not a divergence. With repair, each confirmed difference gets the source's re-read
/// image (<see cref="Repairer"/>). Reads are retried (<see cref="RetriedReads"/>); one that makes
/// no progress for <see cref="VerifySettings.GiveUpAfter"/> stops verify with a <see cref="TableReadException"/>.
/// </summary>
public sealed class TableVerifier
{
    private readonly ITableReader _source;
    private readonly IReadOnlyList<VerifyTarget> _targets;
    private readonly VerifySettings _settings;
    private readonly TimeProvider _time;
    private readonly RetriedReads _reads;
    private readonly SourcePass _sourcePass;
    private readonly ExtrasPass _extrasPass;

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
        _reads = new RetriedReads(new Retry(settings.BaseRetryDelay, settings.MaxRetryDelay, time, random), settings.GiveUpAfter);
        var reread = new Rereader(source, _reads);
        var repairer = settings.Repair
            ? new Repairer(new Applier(new ReplicationSettings { BaseRetryDelay = settings.BaseRetryDelay, MaxRetryDelay = settings.MaxRetryDelay }, time, random), reread, settings, time)
            : null;
        var confirmation = new Confirmation(reread, repairer, settings, time, Progress);
        var scanner = new SegmentScanner(_reads, settings.Segments, time, Progress);
        var lookup = new KeyLookup(_reads, settings.MaxConcurrentBatchGets);
        _sourcePass = new SourcePass(source, scanner, lookup, confirmation);
        _extrasPass = new ExtrasPass(source, scanner, lookup, confirmation);
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
        var sourceItems = await _sourcePass.RunAsync(shape, tallies, cancellationToken).ConfigureAwait(false);
        foreach (var tally in tallies)
        {
            Progress.Enter($"Extras on {tally.Target.Reader.Table}");
            await _extrasPass.RunAsync(shape, tally, cancellationToken).ConfigureAwait(false);
        }

        Progress.Enter("Done");
        return new VerifyReport(_source.Table, sourceItems, tallies.Select(tally => tally.Report(_settings.Repair)).ToList(), _time.GetElapsedTime(started), _settings.Repair);
    }

    private async Task<TableShape> DescribeAsync(ITableReader reader, string option, CancellationToken cancellationToken) =>
        await _reads.ReadAsync(token => reader.DescribeAsync(token), $"DescribeTable on {reader.Table}", cancellationToken).ConfigureAwait(false)
        ?? throw new VerificationSetupException($"{option}: table {reader.Table} does not exist.");
}
