using Replicator.Streams;

namespace Replicator.Backfill;

/// <summary>
/// Takes the replay position a backfill leaves for replicate, before the copy starts: every
/// closed shard counts as read (all its changes are older than the copy, so the copy holds their
/// effect), and every open shard is read to its head, from its current checkpoint if it has one.
/// Any position read before the copy is safe: reading less only means replaying more.
/// </summary>
internal sealed class StreamPosition(IStreamsApi streams, PatientReads reads, Action<string> log)
{
    public async Task TakeAsync(string checkpointPath, string streamArn, CancellationToken cancellationToken)
    {
        var store = new FileCheckpointStore(checkpointPath);
        var existing = await store.LoadAsync(cancellationToken).ConfigureAwait(false) is { } saved && saved.StreamArn == streamArn ? saved : null;
        var description = await reads.ReadAsync(token => streams.DescribeStreamAsync(streamArn, token), $"DescribeStream of {streamArn}", cancellationToken).ConfigureAwait(false);
        var shards = new Dictionary<string, ShardCheckpoint>(StringComparer.Ordinal);
        foreach (var shard in description.Shards)
        {
            shards[shard.ShardId] = shard.IsClosed
                ? new ShardCheckpoint(null, Finished: true)
                : new ShardCheckpoint(await HeadAsync(streamArn, shard.ShardId, existing?.Shards.GetValueOrDefault(shard.ShardId)?.SequenceNumber, cancellationToken).ConfigureAwait(false));
        }

        ReportLostShards(existing, shards, store.Path);
        await store.SaveAsync(new StreamCheckpoints(streamArn, shards), cancellationToken).ConfigureAwait(false);
        log($"stream position taken before the copy ({shards.Count} shard(s)) and written to {store.Path}");
    }

    /// <summary>
    /// A shard of the old checkpoint not read to its end and no longer in the stream held records
    /// that were never replicated and can no longer be read. Replicate stops on that; backfill is
    /// the remedy and must not refuse it: the copy carries every item's current state, so it says
    /// so and the new checkpoint simply has no such shard.
    /// </summary>
    private void ReportLostShards(StreamCheckpoints? existing, Dictionary<string, ShardCheckpoint> listed, string path)
    {
        var gone = (existing?.Shards ?? new Dictionary<string, ShardCheckpoint>())
            .Where(pair => !pair.Value.Finished && !listed.ContainsKey(pair.Key))
            .Select(pair => pair.Key)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (gone.Count > 0)
        {
            log($"the previous checkpoint in {path} had {gone.Count} shard(s) not read to their end that have left the stream ({string.Join(", ", gone)}): " +
                "records it never replicated were lost from the stream. This backfill copies every item as it is now, which makes them good; the new checkpoint leaves those shards out.");
        }
    }

    /// <summary>The last sequence number an open shard holds now (<paramref name="from"/>, or null, if it holds nothing newer).</summary>
    private async Task<string?> HeadAsync(string streamArn, string shardId, string? from, CancellationToken cancellationToken)
    {
        string iterator;
        try
        {
            iterator = await reads.ReadAsync(
                token => from is null
                    ? streams.GetShardIteratorAsync(streamArn, shardId, ShardIteratorType.TrimHorizon, null, token)
                    : streams.GetShardIteratorAsync(streamArn, shardId, ShardIteratorType.AfterSequenceNumber, from, token),
                $"GetShardIterator of {shardId}",
                cancellationToken).ConfigureAwait(false);
        }
        catch (StreamsException e) when (e.Kind == StreamsErrorKind.TrimmedData && from is not null)
        {
            return await HeadAsync(streamArn, shardId, null, cancellationToken).ConfigureAwait(false);
        }

        var head = from;
        while (true)
        {
            var current = iterator;
            var page = await reads.ReadAsync(token => streams.GetRecordsAsync(current, token), $"GetRecords of {shardId}", cancellationToken).ConfigureAwait(false);
            var last = page.Batch.Records.Select(record => (Model.SequenceNumber?)record.SequenceNumber)
                .Concat(page.Batch.Malformed.Select(record => record.SequenceNumber))
                .Max();
            head = last?.Value ?? head;

            // An empty page may come before records that exist; stopping there is still safe, as
            // a position short of the head only means replicate replays more.
            if (page.Batch.Count == 0 || page.NextShardIterator is null)
            {
                return head;
            }

            iterator = page.NextShardIterator;
        }
    }
}
