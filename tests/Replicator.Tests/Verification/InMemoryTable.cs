using System.Collections.Concurrent;
using Replicator.Applying;
using Replicator.Model;
using Replicator.Planning;
using Replicator.Verification;

using Replicator.Tests.Applying;

namespace Replicator.Tests.Verification;

/// <summary>
/// A table in memory that keeps the reader's contract as DynamoDB does: a parallel scan whose
/// segments split the items between them (each item in exactly one), pages ending with a
/// LastEvaluatedKey, projections, BatchGetItem of at most 100 distinct keys that leaves some
/// unprocessed when <see cref="BatchGetFault"/> says so, errors thrown as <see cref="TableReadException"/>.
/// It is also a target writer (the writer's contract, as <c>InMemoryTarget</c> keeps it), for repair.
/// </summary>
internal sealed class InMemoryTable(string region, string name, params KeyAttribute[] key) : ITableReader, ITargetWriter
{
    public ConcurrentDictionary<ItemKey, IReadOnlyDictionary<string, DynamoValue>> Items { get; } = new();

    public TargetTable Table { get; } = new(region, name);

    public TargetTable Target => Table;

    public bool Exists { get; set; } = true;

    /// <summary>Items per scan page (DynamoDB: up to 1 MB).</summary>
    public int PageSize { get; init; } = 7;

    public TableShape Shape => new(key, Items.Count);

    /// <summary>Before each scan page is read (segment, call number): throw to fail the request.</summary>
    public Action<int, int> ScanFault { get; set; } = (_, _) => { };

    /// <summary>Before each BatchGetItem with its keys: return the keys to leave unprocessed, or throw.</summary>
    public Func<IReadOnlyList<ItemKey>, IReadOnlyList<ItemKey>> BatchGetFault { get; set; } = _ => [];

    /// <summary>After each BatchGetItem is answered, with the keys it read.</summary>
    public Action<IReadOnlyList<ItemKey>> AfterBatchGet { get; set; } = _ => { };

    /// <summary>Before each GetItem: throw to fail it.</summary>
    public Action<ItemKey> GetFault { get; set; } = _ => { };

    /// <summary>Before each write request with its actions: return the ones to leave unprocessed, or throw.</summary>
    public Func<IReadOnlyList<WriteAction>, IReadOnlyList<WriteAction>> WriteFault { get; set; } = _ => [];

    private int _scans;
    private int _batchGets;
    private int _gets;

    public int ScanRequests => _scans;

    public int BatchGetRequests => _batchGets;

    public int GetRequests => _gets;

    public void Put(IReadOnlyDictionary<string, DynamoValue> item) => Items[Shape.KeyOf(item)] = item;

    public Task<TableShape?> DescribeAsync(CancellationToken cancellationToken) => Task.FromResult(Exists ? Shape : null);

    public Task<ScanPage> ScanAsync(int segment, int totalSegments, IReadOnlyDictionary<string, DynamoValue>? exclusiveStartKey, IReadOnlyList<string>? projection, CancellationToken cancellationToken)
    {
        Assert.InRange(segment, 0, totalSegments - 1);
        ScanFault(segment, Interlocked.Increment(ref _scans));
        var ordered = Items
            .Where(pair => Segment(pair.Key, totalSegments) == segment)
            .OrderBy(pair => pair.Key.ToString(), StringComparer.Ordinal)
            .ToList();
        var from = exclusiveStartKey is null ? 0 : ordered.FindIndex(pair => pair.Key.Equals(new ItemKey(exclusiveStartKey))) + 1;
        Assert.True(exclusiveStartKey is null || from > 0, "the exclusive start key is not an item of this segment");
        var page = ordered.Skip(from).Take(PageSize).ToList();
        var last = from + page.Count < ordered.Count ? page[^1].Key.Attributes : null;
        return Task.FromResult(new ScanPage(page.Select(pair => Project(pair.Value, projection)).ToList(), last));
    }

    public Task<BatchGetResult> BatchGetAsync(IReadOnlyList<ItemKey> keys, IReadOnlyList<string>? projection, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _batchGets);
        Assert.InRange(keys.Count, 1, ReplicationOptions.MaxBatchGetKeys);
        Assert.Equal(keys.Count, keys.Distinct().Count());
        var unprocessed = BatchGetFault(keys);
        var found = keys.Except(unprocessed)
            .Select(key => Items.TryGetValue(key, out var item) ? Project(item, projection) : null)
            .OfType<IReadOnlyDictionary<string, DynamoValue>>()
            .ToList();
        AfterBatchGet(keys);
        return Task.FromResult(new BatchGetResult(found, unprocessed));
    }

    public Task<IReadOnlyDictionary<string, DynamoValue>?> GetAsync(ItemKey key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _gets);
        GetFault(key);
        return Task.FromResult(Items.GetValueOrDefault(key));
    }

    public Task<BatchOutcome> WriteBatchAsync(IReadOnlyList<WriteAction> actions, CancellationToken cancellationToken)
    {
        Assert.InRange(actions.Count, 1, ReplicationOptions.MaxBatchWriteItems);
        Assert.Equal(actions.Count, actions.Select(a => a.Key).Distinct().Count());
        IReadOnlyList<WriteAction> unprocessed;
        try
        {
            unprocessed = WriteFault(actions);
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

    public Task<WriteOutcome> WriteOneAsync(WriteAction action, CancellationToken cancellationToken)
    {
        try
        {
            if (WriteFault([action]).Count > 0)
            {
                return Task.FromResult(WriteOutcome.Refused(TargetErrorKind.Retryable, "ThrottlingException: throttled"));
            }
        }
        catch (TargetRefuses refused)
        {
            return Task.FromResult<WriteOutcome>(new WriteOutcome.Failed(refused.Refusal));
        }

        Write(action);
        return Task.FromResult(WriteOutcome.Applied);
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

    /// <summary>A stable segment per key, as DynamoDB's hash of the partition key gives.</summary>
    private static int Segment(ItemKey key, int totalSegments) =>
        (int)((uint)key.ToString().Aggregate(17, (hash, c) => unchecked((hash * 31) + c)) % (uint)totalSegments);

    private static IReadOnlyDictionary<string, DynamoValue> Project(IReadOnlyDictionary<string, DynamoValue> item, IReadOnlyList<string>? projection) =>
        projection is null ? item : item.Where(pair => projection.Contains(pair.Key)).ToDictionary(StringComparer.Ordinal);
}
