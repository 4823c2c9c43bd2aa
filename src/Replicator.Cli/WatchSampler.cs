using Replicator.Streams;

namespace Replicator.Cli;

/// <summary>
/// Takes one refresh of <c>status --watch</c>: the checkpoint file, replicate's progress file, and
/// the stream. It must never take a reader slot that replicate (or Lambda's mapping) needs, since
/// DynamoDB throttles a shard read by more than two readers at once. So it reads the shards in turn,
/// awaiting each GetRecords before the next: at most one GetRecords in flight in all, never two on
/// one shard. And it asks a shard for at most one page a refresh, and only if <see cref="ReplicationOptions.WatchReadGap"/>
/// (a second) has passed since the start of the refresh that last read it, whatever the refresh
/// interval: about one GetRecords a second per shard at most, beside a reader's four. A shard read
/// this recently is shown from what was read.
/// </summary>
internal sealed class WatchSampler(
    IStreamsApi streams,
    string streamArn,
    ICheckpointStore checkpoints,
    Func<ProgressSnapshot?> progress,
    TimeProvider time,
    double retentionWarning)
{
    /// <summary>How often the shard list is read again (new shards appear about every four hours on AWS).</summary>
    private static readonly TimeSpan DescribeEvery = TimeSpan.FromSeconds(10);

    /// <summary>A progress file older than this is from a replicate that has stopped (it writes one a second).</summary>
    private static readonly TimeSpan ProgressFresh = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, ShardTail> _tails = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LagHistory> _history = new(StringComparer.Ordinal);
    private readonly Throughput _throughput = new();
    private StreamDescription? _description;
    private DateTimeOffset _described;
    private DateTimeOffset? _lastSample;

    public async Task<WatchFrame> SampleAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_description is null || now - _described >= DescribeEvery)
        {
            try
            {
                _description = await streams.DescribeStreamAsync(streamArn, cancellationToken).ConfigureAwait(false);
                _described = now;
            }
            catch (StreamsException e) when (e.Kind == StreamsErrorKind.Retryable && _description is not null)
            {
                // Throttled or a blip (the client does not retry): a long watch meets one sooner or later.
                // The shards last listed are read on; the list is asked for again at the next refresh.
            }
        }

        var saved = await checkpoints.LoadAsync(cancellationToken).ConfigureAwait(false);
        var positions = saved is not null && saved.StreamArn == streamArn ? saved.Shards : StreamCheckpoints.Empty(streamArn).Shards;
        var lost = ShardLineage.Check(_description, positions, firstRun: saved is null) is Lineage.Broken broken ? broken.Error : null;
        var snapshot = progress();
        var state = snapshot is null ? ReplicateState.Unknown : !snapshot.Stopped && now - snapshot.WrittenAt <= ProgressFresh ? ReplicateState.Running : ReplicateState.Stale;
        var rates = _throughput.Update(state == ReplicateState.Running ? snapshot : null);
        var elapsed = now - (_lastSample ?? now);
        _lastSample = now;

        var shards = new List<ShardWatch>();
        foreach (var shard in _description.Shards)
        {
            var tail = _tails.TryGetValue(shard.ShardId, out var known) ? known : _tails[shard.ShardId] = new ShardTail(shard);
            var checkpoint = positions.GetValueOrDefault(shard.ShardId);
            var passed = tail.Follow(checkpoint);
            if (now - tail.LastRead >= ReplicationOptions.WatchReadGap)
            {
                // Awaited here, before the next shard: this is what keeps the watch to one GetRecords in flight.
                await tail.ReadAsync(streams, streamArn, checkpoint, now, cancellationToken).ConfigureAwait(false);
            }

            lost ??= tail.DataLost;
            var age = tail.Oldest is { } oldest ? now - oldest : (TimeSpan?)null;
            var history = _history.TryGetValue(shard.ShardId, out var seen) ? seen : _history[shard.ShardId] = new LagHistory();
            history.Add(now, Math.Max(0, age?.TotalSeconds ?? 0));
            shards.Add(new ShardWatch(
                shard.ShardId,
                checkpoint is { Finished: true } ? "done" : shard.IsClosed ? "closed" : "open",
                tail.Behind,
                tail.AtLeast,
                age,
                // Replicate's own count when it is running; else what the checkpoint passed since the last refresh (of the records the watch had read).
                rates.Shards.TryGetValue(shard.ShardId, out var rate) ? rate : state == ReplicateState.Running ? null : elapsed > TimeSpan.Zero ? passed / elapsed.TotalSeconds : null,
                history.Slices(now),
                RetentionWarning.For(shard.ShardId, age, retentionWarning),
                tail.DataLost ?? tail.Error));
        }

        var targets = (snapshot?.Targets ?? new Dictionary<string, AppliedCount>())
            .OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => new TargetWatch(pair.Key, rates.Targets.TryGetValue(pair.Key, out var rate) ? rate : null, double.IsNaN(pair.Value.LastLagMs) ? null : pair.Value.LastLagMs))
            .ToList();
        return new WatchFrame(now, streamArn, state, shards, targets, lost);
    }
}
