using System.Collections.Concurrent;
using Replicator.Applying;
using Replicator.Model;
using Replicator.Planning;
using Replicator.Verification;

using Replicator.Tests.Applying;

namespace Replicator.Tests.Verification;

/// <summary>
/// A table in memory that keeps the reader's contract as DynamoDB does (<c>InMemoryTableContractTests</c>
/// runs the contract suite on it, as <c>DynamoDbTableReaderContractTests</c> does on moto): a
/// parallel scan whose segments split the items between them by partition key (each item in
/// exactly one), pages in key order chained by LastEvaluatedKey, which need not still be an item
/// (a scan goes on after an item deleted meanwhile); projections that return only the named
/// attributes; BatchGetItem of at most 100 distinct keys that leaves some unprocessed when
/// <see cref="BatchGetFault"/> says so; a table that does not exist is described as null and its
/// reads throw a <see cref="TableReadException"/> not worth retrying. Numbers are kept as given
/// (as moto keeps them; DynamoDB normalises them on write). It is also a target writer (the
/// writer's contract, as <c>InMemoryTarget</c> keeps it), for repair.
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

    private IReadOnlyList<string> KeyNames => [.. key.Select(attribute => attribute.Name)];

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
        ThrowIfMissing("Scan");
        // The start key is a position in the key order, not an item: it may have been deleted since.
        var after = exclusiveStartKey is null ? null : Position(new ItemKey(exclusiveStartKey));
        var remaining = Items
            .Where(pair => Segment(pair.Key, totalSegments) == segment)
            .Select(pair => (Position: Position(pair.Key), pair.Key, Item: pair.Value))
            .Where(entry => after is null || string.CompareOrdinal(entry.Position, after) > 0)
            .OrderBy(entry => entry.Position, StringComparer.Ordinal)
            .ToList();
        var page = remaining.Take(PageSize).ToList();
        var last = page.Count < remaining.Count ? page[^1].Key.Attributes : null;
        return Task.FromResult(new ScanPage(page.Select(entry => Project(entry.Item, projection)).ToList(), last));
    }

    public Task<BatchGetResult> BatchGetAsync(IReadOnlyList<ItemKey> keys, IReadOnlyList<string>? projection, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _batchGets);
        Assert.InRange(keys.Count, 1, ReplicationOptions.MaxBatchGetKeys);
        Assert.Equal(keys.Count, keys.Distinct().Count());
        ThrowIfMissing("BatchGetItem");
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
        ThrowIfMissing("GetItem");
        return Task.FromResult(Items.GetValueOrDefault(key));
    }

    public Task<BatchOutcome> WriteBatchAsync(IReadOnlyList<WriteAction> actions, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Assert.InRange(actions.Count, 1, ReplicationOptions.MaxBatchWriteItems);
        Assert.Equal(actions.Count, actions.Select(a => a.Key).Distinct().Count());
        if (WriteRefusals.Of(Table, KeyNames, Exists, actions) is { } refusal)
        {
            return Task.FromResult<BatchOutcome>(new BatchOutcome.Failed(refusal));
        }

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
        cancellationToken.ThrowIfCancellationRequested();
        if (WriteRefusals.Of(Table, KeyNames, Exists, [action]) is { } refusal)
        {
            return Task.FromResult<WriteOutcome>(new WriteOutcome.Failed(refusal));
        }

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

    /// <summary>As the DynamoDB reader says it (ResourceNotFoundException is not worth retrying).</summary>
    private void ThrowIfMissing(string operation)
    {
        if (!Exists)
        {
            throw new TableReadException($"{operation} on {Table}: the table does not exist (deleted while verify ran?)", retryable: false);
        }
    }

    /// <summary>A key's place in the scan order: its attributes in the key's order, whatever order a caller built them in.</summary>
    private string Position(ItemKey itemKey) => Shape.KeyOf(itemKey.Attributes).ToString();

    /// <summary>A stable segment per partition key, as DynamoDB's hash of the partition key gives: the items of one partition key share a segment.</summary>
    private int Segment(ItemKey itemKey, int totalSegments) =>
        (int)((uint)itemKey.Attributes[key.Single(attribute => attribute.IsPartitionKey).Name].ToString().Aggregate(17, (hash, c) => unchecked((hash * 31) + c)) % (uint)totalSegments);

    private static IReadOnlyDictionary<string, DynamoValue> Project(IReadOnlyDictionary<string, DynamoValue> item, IReadOnlyList<string>? projection) =>
        projection is null ? item : item.Where(pair => projection.Contains(pair.Key)).ToDictionary(StringComparer.Ordinal);
}
