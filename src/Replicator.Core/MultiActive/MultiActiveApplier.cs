using System.Collections.Concurrent;
using System.Text.Json;
using Replicator.Applying;
using Replicator.Model;
using Replicator.Retrying;

namespace Replicator.MultiActive;

/// <summary>
/// Applies one region's batch in multi-active mode: keys concurrently (bounded), each key's
/// records in order (<see cref="KeyReplication"/>). The tombstones of keys the batch inserts
/// are read up front, a hundred to a request. Every write is retried until the deadline while
/// the service says to; a key whose writes are refused for good, or run out of time, fails
/// alone, and the batch's other keys keep their results.
/// </summary>
public sealed class MultiActiveApplier
{
    private readonly Replica _local;
    private readonly IReadOnlyList<Replica> _peers;
    private readonly MultiActiveSettings _settings;
    private readonly ReplicationSettings _replication;
    private readonly TimeProvider _time;
    private readonly Retry _retry;

    public MultiActiveApplier(Replica local, IReadOnlyList<Replica> peers, MultiActiveSettings settings, ReplicationSettings replication, TimeProvider time, Random random)
    {
        _local = local;
        _peers = peers;
        _settings = settings;
        _replication = replication;
        _time = time;
        _retry = new Retry(replication.BaseRetryDelay, replication.MaxRetryDelay, time, random);
    }

    public Replica Local => _local;

    public IReadOnlyList<Replica> Peers => _peers;

    public MultiActiveSettings Settings => _settings;

    public async Task<IReadOnlyList<KeyResult>> ApplyAsync(IReadOnlyList<KeyChanges> keys, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        using var stop = new DeadlineScope(deadline, _time, cancellationToken);
        var context = new ReplicaContext(
            new PatientTables(_local, _retry, deadline, stop.Token),
            [.. _peers.Select(peer => new PatientTables(peer, _retry, deadline, stop.Token))],
            _settings,
            _time);

        var tombstones = await ReadTombstonesAsync(context, keys).ConfigureAwait(false);
        var results = new ConcurrentBag<KeyResult>();
        await Parallel.ForEachAsync(
            keys,
            new ParallelOptions { MaxDegreeOfParallelism = _settings.MaxConcurrentKeys },
            async (changes, _) => results.Add(await RunAsync(context, changes, tombstones, stop.Token).ConfigureAwait(false))).ConfigureAwait(false);
        return [.. results];
    }

    private static async Task<KeyResult> RunAsync(ReplicaContext context, KeyChanges changes, IReadOnlyDictionary<ItemKey, Tombstone?>? tombstones, CancellationToken stop)
    {
        var known = tombstones is not null && tombstones.ContainsKey(changes.Key);
        try
        {
            return await new KeyReplication(context, changes.Key, known ? tombstones![changes.Key] : null, known).RunAsync(changes.Records).ConfigureAwait(false);
        }
        catch (ReplicaWriteFailed e)
        {
            return Failed(changes.Key, e.Refusal.Kind == TargetErrorKind.Poison ? KeyFate.Poison : KeyFate.Failed, e.Message);
        }
        catch (JsonException e)
        {
            // An old image the stream sent malformed: the record can never be versioned.
            return Failed(changes.Key, KeyFate.Poison, $"a record of {changes.Key} has an image that cannot be read: {e.Message}");
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return Failed(changes.Key, KeyFate.Failed, $"{changes.Key}: not durable by the deadline");
        }
    }

    private static KeyResult Failed(ItemKey key, KeyFate fate, string error) => new(key, fate, error, MultiActiveCounts.None, []);

    /// <summary>The tombstones of the keys whose records include an insert, known present or absent; null if they could not be read (each key then reads its own).</summary>
    private static async Task<IReadOnlyDictionary<ItemKey, Tombstone?>?> ReadTombstonesAsync(ReplicaContext context, IReadOnlyList<KeyChanges> keys)
    {
        var wanted = keys.Where(changes => changes.Records.Any(record => record.Kind == ChangeKind.Insert)).Select(changes => changes.Key).ToList();
        var found = new ConcurrentDictionary<ItemKey, Tombstone?>();
        try
        {
            await Task.WhenAll(wanted.Chunk(ReplicationOptions.MaxBatchGetKeys).Select(async chunk =>
            {
                var items = await context.Local.ReadAsync(context.Local.Replica.Tombstones, [.. chunk.Select(Tombstone.KeyOf)]).ConfigureAwait(false);
                foreach (var key in chunk)
                {
                    found[key] = Tombstone.FromItem(items.GetValueOrDefault(Tombstone.KeyOf(key)));
                }
            })).ConfigureAwait(false);
        }
        catch (ReplicaWriteFailed)
        {
            return null;
        }

        return found;
    }
}
