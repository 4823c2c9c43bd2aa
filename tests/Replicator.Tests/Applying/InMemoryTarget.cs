using System.Collections.Concurrent;
using Replicator.Applying;
using Replicator.Model;
using Replicator.Planning;

namespace Replicator.Tests.Applying;

/// <summary>
/// A target table in memory that keeps the writer contract (<c>TargetWriterContract</c>, run
/// against it and against DynamoDB on moto): at most 25 actions on distinct keys per batch;
/// unprocessed items and refusals returned as outcomes, never thrown; a missing table or items
/// without the table's key refused as fatal, an item over 400 KB as poison.
/// <see cref="Fault"/> decides, per request, what goes wrong: it returns the actions to leave
/// unprocessed, or throws <see cref="TargetRefuses"/> to refuse the request.
/// </summary>
internal sealed class InMemoryTarget(string region = "us-west-2", string table = "target") : ITargetWriter
{
    public ConcurrentDictionary<ItemKey, IReadOnlyDictionary<string, DynamoValue>> Items { get; } = new();

    /// <summary>Called before each request with its actions: return the ones to leave unprocessed, or throw <see cref="TargetRefuses"/>.</summary>
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

    /// <summary>The table's key attributes; an action keyed otherwise is the wrong table.</summary>
    public IReadOnlyList<string> KeyNames { get; init; } = ["pk"];

    /// <summary>False: the table does not exist, and every write is refused as DynamoDB refuses it.</summary>
    public bool Exists { get; init; } = true;

    /// <summary>What DynamoDB would refuse in this request, before any of it is written.</summary>
    private Refusal? Refuse(IReadOnlyList<WriteAction> actions) => WriteRefusals.Of(Target, KeyNames, Exists, actions);

    public Task<BatchOutcome> WriteBatchAsync(IReadOnlyList<WriteAction> actions, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _batchRequests);
        Assert.InRange(actions.Count, 1, ReplicationOptions.MaxBatchWriteItems);
        Assert.Equal(actions.Count, actions.Select(a => a.Key).Distinct().Count());
        if (Refuse(actions) is { } refusal)
        {
            return Task.FromResult<BatchOutcome>(new BatchOutcome.Failed(refusal));
        }

        IReadOnlyList<WriteAction> unprocessed;
        try
        {
            unprocessed = Fault(actions);
        }
        catch (TargetRefuses refused)
        {
            return Task.FromResult<BatchOutcome>(new BatchOutcome.Failed(refused.Refusal));
        }

        foreach (var action in actions.Except(unprocessed))
        {
            Write(action);
        }

        return Task.FromResult<BatchOutcome>(new BatchOutcome.Written(unprocessed));
    }

    public async Task<WriteOutcome> WriteOneAsync(WriteAction action, CancellationToken cancellationToken)
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

            if (Refuse([action]) is { } refusal)
            {
                return new WriteOutcome.Failed(refusal);
            }

            try
            {
                if (Fault([action]).Count > 0)
                {
                    return WriteOutcome.Refused(TargetErrorKind.Retryable, "ThrottlingException: throttled");
                }
            }
            catch (TargetRefuses refused)
            {
                return new WriteOutcome.Failed(refused.Refusal);
            }

            Write(action);
            return WriteOutcome.Applied;
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
