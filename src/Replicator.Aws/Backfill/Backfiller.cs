using System.Diagnostics;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Replicator.Applying;
using Replicator.Model;
using Replicator.Planning;
using Replicator.Streams;

namespace Replicator.Aws.Backfill;

public sealed record BackfillRequest(TargetTable Source, IReadOnlyList<TargetTable> Targets, int Segments, string CheckpointPath);

public sealed record BackfillResult(long ItemsCopied, TimeSpan Elapsed, bool Resumed, string StreamArn);

/// <summary>Live counters for progress displays.</summary>
public sealed class BackfillCounters
{
    internal long _copied;
    internal int _segmentsDone;

    public long ItemsCopied => Interlocked.Read(ref _copied);

    public int SegmentsDone => Volatile.Read(ref _segmentsDone);

    /// <summary>DynamoDB's item count for the source (updated about every six hours): for an ETA only.</summary>
    public long ApproximateTotal { get; internal set; }
}

/// <summary>
/// Brings a table that already holds data into replication, safely while the application keeps
/// writing. A copy alone cannot be safe (a scanned item can land after its delete was
/// replicated), so a backfill is: (1) take a stream position from before the copy and write it as
/// the checkpoint that <c>replicate</c> resumes from; (2) copy every item with a strongly
/// consistent parallel scan and BatchWriteItem (retried, never dropped); then <c>replicate</c>
/// replays the stream from that position, which converges every item changed during the copy.
/// An interrupted copy resumes by segment and keeps the position it took first.
/// </summary>
public sealed class Backfiller(
    IAmazonDynamoDB source,
    IReadOnlyList<ITargetWriter> targets,
    IStreamsApi streams,
    TimeProvider time,
    Random random,
    Action<string> log)
{
    private readonly Applier _applier = new(new ReplicationSettings(), time, random);
    private readonly object _gate = new();
    private bool _warned;

    public BackfillCounters Counters { get; } = new();

    public async Task<BackfillResult> RunAsync(BackfillRequest request, string streamArn, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var progressPath = BackfillState.PathFor(request.CheckpointPath);
        var targetsText = string.Join(",", request.Targets);
        var keyNames = await KeyNamesAsync(request, cancellationToken).ConfigureAwait(false);
        Counters.ApproximateTotal = (await source.DescribeTableAsync(request.Source.RequestName, cancellationToken).ConfigureAwait(false)).Table.ItemCount ?? 0;

        var state = BackfillState.Load(progressPath);
        var resumed = state is not null;
        if (state is not null)
        {
            if (state.Source != request.Source.ToString() || state.Targets != targetsText || state.Segments.Count != request.Segments || state.StreamArn != streamArn)
            {
                throw new CheckpointException(
                    $"{progressPath} is an unfinished backfill of {state.Source} to {state.Targets} with {state.Segments.Count} segments (stream {state.StreamArn}). " +
                    "Run the same command again to resume it, or delete the file to start over.");
            }

            log($"resuming the backfill started {state.StartedAt:u}: {state.ItemsCopied} items already copied; the stream position it took then is kept");
            Interlocked.Exchange(ref Counters._copied, state.ItemsCopied);
        }
        else
        {
            await TakePositionAsync(request, streamArn, cancellationToken).ConfigureAwait(false);
            state = new BackfillState(request.Source.ToString(), targetsText, streamArn, time.GetUtcNow(), 0, Enumerable.Repeat(new SegmentState(false, null), request.Segments).ToList());
            state.Save(progressPath);
        }

        var segments = state.Segments.ToArray();
        Interlocked.Exchange(ref Counters._segmentsDone, segments.Count(s => s.Done));
        var copiedBefore = Counters.ItemsCopied;
        await Parallel.ForEachAsync(
            Enumerable.Range(0, segments.Length).Where(i => !segments[i].Done),
            new ParallelOptions { MaxDegreeOfParallelism = request.Segments },
            async (segment, _) =>
            {
                var lastKey = segments[segment].LastKey;
                do
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var page = await ScanAsync(request.Source, segment, request.Segments, lastKey, cancellationToken).ConfigureAwait(false);
                    var items = (page.Items ?? []).Select(AttributeValues.FromSdk).ToList();
                    await CopyAsync(items, keyNames).ConfigureAwait(false);
                    lastKey = page.LastEvaluatedKey is { Count: > 0 } next ? AttributeValues.FromSdk(next) : null;
                    lock (_gate)
                    {
                        segments[segment] = new SegmentState(lastKey is null, lastKey);
                        Interlocked.Add(ref Counters._copied, items.Count);
                        if (lastKey is null)
                        {
                            Interlocked.Increment(ref Counters._segmentsDone);
                        }

                        (state with { ItemsCopied = Counters.ItemsCopied, Segments = segments.ToList() }).Save(progressPath);
                    }

                    WarnIfTooSlow(started, copiedBefore, state.StartedAt);
                }
                while (lastKey is not null);
            }).ConfigureAwait(false);

        File.Delete(progressPath);
        return new BackfillResult(Counters.ItemsCopied, time.GetElapsedTime(started), resumed, streamArn);
    }

    /// <summary>
    /// The replay position: every closed shard counts as read (all its changes are older than the
    /// copy, so the copy holds their effect), and every open shard is read to its head, from its
    /// current checkpoint if it has one. Any position read before the copy starts is safe: reading
    /// less only means replaying more.
    /// </summary>
    private async Task TakePositionAsync(BackfillRequest request, string streamArn, CancellationToken cancellationToken)
    {
        var store = new FileCheckpointStore(request.CheckpointPath);
        var existing = await store.LoadAsync(cancellationToken).ConfigureAwait(false) is { } saved && saved.StreamArn == streamArn ? saved : null;
        var description = await streams.DescribeStreamAsync(streamArn, cancellationToken).ConfigureAwait(false);
        var shards = new Dictionary<string, ShardCheckpoint>(StringComparer.Ordinal);
        foreach (var shard in description.Shards)
        {
            shards[shard.ShardId] = shard.IsClosed
                ? new ShardCheckpoint(null, Finished: true)
                : new ShardCheckpoint(await HeadAsync(streamArn, shard.ShardId, existing?.Shards.GetValueOrDefault(shard.ShardId)?.SequenceNumber, cancellationToken).ConfigureAwait(false));
        }

        await store.SaveAsync(new StreamCheckpoints(streamArn, shards), cancellationToken).ConfigureAwait(false);
        log($"stream position taken before the copy ({shards.Count} shard(s)) and written to {store.Path}");
    }

    /// <summary>The last sequence number an open shard holds now (null if it holds none).</summary>
    private async Task<string?> HeadAsync(string streamArn, string shardId, string? from, CancellationToken cancellationToken)
    {
        string iterator;
        try
        {
            iterator = from is null
                ? await streams.GetShardIteratorAsync(streamArn, shardId, ShardIteratorType.TrimHorizon, null, cancellationToken).ConfigureAwait(false)
                : await streams.GetShardIteratorAsync(streamArn, shardId, ShardIteratorType.AfterSequenceNumber, from, cancellationToken).ConfigureAwait(false);
        }
        catch (StreamsException e) when (e.Kind == StreamsErrorKind.TrimmedData)
        {
            return await HeadAsync(streamArn, shardId, null, cancellationToken).ConfigureAwait(false);
        }

        var head = from;
        for (var attempt = 0; ;)
        {
            RecordsPage page;
            try
            {
                page = await streams.GetRecordsAsync(iterator, cancellationToken).ConfigureAwait(false);
            }
            catch (StreamsException e) when (e.Kind == StreamsErrorKind.Retryable && attempt < 20)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * Math.Pow(2, Math.Min(attempt++, 6))), time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var last = page.Batch.Records.Select(record => (SequenceNumber?)record.SequenceNumber)
                .Concat(page.Batch.Malformed.Select(record => record.SequenceNumber))
                .Max();
            head = last?.Value ?? head;
            if (page.Batch.Count == 0 || page.NextShardIterator is null)
            {
                return head;
            }

            iterator = page.NextShardIterator;
        }
    }

    private async Task<List<string>> KeyNamesAsync(BackfillRequest request, CancellationToken cancellationToken) =>
        (await source.DescribeTableAsync(request.Source.RequestName, cancellationToken).ConfigureAwait(false)).Table.KeySchema.Select(k => k.AttributeName).ToList();

    private async Task<ScanResponse> ScanAsync(TargetTable table, int segment, int segments, IReadOnlyDictionary<string, DynamoValue>? lastKey, CancellationToken cancellationToken)
    {
        var request = new ScanRequest
        {
            TableName = table.RequestName,
            Segment = segment,
            TotalSegments = segments,
            ConsistentRead = true, // A write just before the position must be in the copy: the replay starts after it.
            ExclusiveStartKey = lastKey is null ? null : AttributeValues.ToSdk(lastKey),
        };
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await source.ScanAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException && ErrorClassifier.Classify(e, "Scan").Kind == TargetErrorKind.Retryable && attempt < 30)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(50, 100) * Math.Pow(2, Math.Min(attempt, 7))), time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes one scanned page to every target with the engine's applier; anything not durable stops the backfill (it resumes from this page).</summary>
    private async Task CopyAsync(List<Dictionary<string, DynamoValue>> items, List<string> keyNames)
    {
        if (items.Count == 0)
        {
            return;
        }

        var actions = items.Select(item => WriteAction.Copy(new ItemKey(keyNames.ToDictionary(name => name, name => item[name], StringComparer.Ordinal)), item)).ToList();
        foreach (var target in targets)
        {
            var results = await _applier.ApplyAsync(target, actions, time.GetUtcNow() + ReplicationOptions.DefaultCopyTimeout, CancellationToken.None).ConfigureAwait(false);
            var failed = results.Where(result => result.Status != ActionStatus.Applied).ToList();
            if (failed.Count > 0)
            {
                throw new BackfillException($"{failed.Count} item(s) could not be copied to {target.Target}, e.g. {failed[0].Action.Key}: {failed[0].Error}. Nothing is lost: run the same command again to resume from this page.");
            }
        }
    }

    private void WarnIfTooSlow(long started, long copiedBefore, DateTimeOffset startedAt)
    {
        var elapsed = time.GetElapsedTime(started);
        var copied = Counters.ItemsCopied - copiedBefore;
        if (_warned || elapsed < TimeSpan.FromSeconds(30) || copied == 0 || Counters.ApproximateTotal <= Counters.ItemsCopied)
        {
            return;
        }

        var rate = copied / elapsed.TotalSeconds;
        var finish = time.GetUtcNow() + TimeSpan.FromSeconds((Counters.ApproximateTotal - Counters.ItemsCopied) / rate);
        if (finish - startedAt > ReplicationOptions.StreamRetention)
        {
            _warned = true;
            log($"WARNING: at {rate:0} items/s the copy of about {Counters.ApproximateTotal} items ends around {finish:u}, more than 24 hours after it began ({startedAt:u}). " +
                "The stream keeps changes for 24 hours, so changes made early in the copy would be trimmed before replicate could replay them. " +
                "Stop and restart with more --segments, or give the targets more write capacity.");
        }
    }
}

/// <summary>The backfill stopped; the message says why and that running it again resumes.</summary>
public sealed class BackfillException(string message) : Exception(message);
