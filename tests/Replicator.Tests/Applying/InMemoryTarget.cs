using System.Collections.Concurrent;
using Replicator.Applying;
using Replicator.Model;
using Replicator.Planning;

namespace Replicator.Tests.Applying;

/// <summary>
/// A target table in memory that keeps the writer contract: at most 25 actions on distinct keys
/// per batch, unprocessed items returned, errors thrown as <see cref="TargetWriteException"/>.
/// <see cref="Fault"/> decides, per request, what goes wrong.
/// </summary>
internal sealed class InMemoryTarget(string region = "us-west-2", string table = "target") : ITargetWriter
{
    public ConcurrentDictionary<ItemKey, IReadOnlyDictionary<string, DynamoValue>> Items { get; } = new();

    /// <summary>Called before each request with its actions: return the ones to leave unprocessed, or throw.</summary>
    public Func<IReadOnlyList<WriteAction>, IReadOnlyList<WriteAction>> Fault { get; set; } = _ => [];

    public int BatchRequests => _batchRequests;

    public int SingleRequests => _singleRequests;

    /// <summary>How long each single write takes (so that concurrent ones overlap).</summary>
    public TimeSpan SingleWriteDelay { get; init; }

    /// <summary>The most single writes that were in flight at once.</summary>
    public int MostSinglesInFlight => _mostSinglesInFlight;

    private int _batchRequests;
    private int _singleRequests;
    private int _singlesInFlight;
    private int _mostSinglesInFlight;

    public TargetTable Target { get; } = new(region, table);

    public Task<IReadOnlyList<WriteAction>> WriteBatchAsync(IReadOnlyList<WriteAction> actions, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _batchRequests);
        Assert.InRange(actions.Count, 1, ReplicationOptions.MaxBatchWriteItems);
        Assert.Equal(actions.Count, actions.Select(a => a.Key).Distinct().Count());
        var unprocessed = Fault(actions);
        foreach (var action in actions.Except(unprocessed))
        {
            Write(action);
        }

        return Task.FromResult(unprocessed);
    }

    public async Task WriteOneAsync(WriteAction action, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _singleRequests);
        var inFlight = Interlocked.Increment(ref _singlesInFlight);
        try
        {
            int most;
            do
            {
                most = _mostSinglesInFlight;
            }
            while (inFlight > most && Interlocked.CompareExchange(ref _mostSinglesInFlight, inFlight, most) != most);

            if (SingleWriteDelay > TimeSpan.Zero)
            {
                await Task.Delay(SingleWriteDelay, cancellationToken);
            }

            if (Fault([action]).Count > 0)
            {
                throw new TargetWriteException(TargetErrorKind.Retryable, "throttled");
            }

            Write(action);
        }
        finally
        {
            Interlocked.Decrement(ref _singlesInFlight);
        }
    }

    private void Write(WriteAction action)
    {
        if (action.Kind == WriteKind.Put)
        {
            Items[action.Key] = action.Item;
        }
        else
        {
            Items.TryRemove(action.Key, out _);
        }
    }
}
