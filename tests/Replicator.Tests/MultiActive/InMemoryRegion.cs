using System.Globalization;
using Replicator.Applying;
using Replicator.Model;
using Replicator.MultiActive;

namespace Replicator.Tests.MultiActive;

/// <summary>
/// One region's DynamoDB in memory, keeping the conditional-write contract
/// (<c>RegionTablesContract</c>, run against it and against moto): conditions evaluated as
/// DynamoDB evaluates them, transactions all or nothing, a failed condition answering with the
/// item as it stands. A table created with a stream records every change in order with
/// increasing sequence numbers and whole-second creation times from the region's clock, as
/// AWS does; <see cref="RecordsUnchangedWrites"/> makes it also record writes that change
/// nothing, as moto does. The application writes through the same tables
/// (<see cref="Apply"/>), unconditionally.
/// </summary>
internal sealed class InMemoryRegion(string region, Func<DateTimeOffset> clock) : IRegionTables
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Table> _tables = [];
    private long _sequence = 100_000_000_000_000_000;

    public string Region => region;

    /// <summary>Writes that change nothing are recorded too (moto does; AWS does not).</summary>
    public bool RecordsUnchangedWrites { get; init; }

    /// <summary>Called before every write the replicator makes (not the application's), outside the lock: a test interleaves application writes here, or crashes.</summary>
    public Action<TableWrite>? BeforeWrite { get; set; }

    public void CreateTable(string name, string keyAttribute, bool stream = false)
    {
        lock (_lock)
        {
            _tables[name] = new Table(keyAttribute, stream ? [] : null);
        }
    }

    public IReadOnlyList<ChangeRecord> Stream(string table)
    {
        lock (_lock)
        {
            return [.. _tables[table].Stream!];
        }
    }

    public IReadOnlyDictionary<ItemKey, IReadOnlyDictionary<string, DynamoValue>> Items(string table)
    {
        lock (_lock)
        {
            return new Dictionary<ItemKey, IReadOnlyDictionary<string, DynamoValue>>(_tables[table].Items);
        }
    }

    public IReadOnlyDictionary<string, DynamoValue>? Get(string table, ItemKey key)
    {
        lock (_lock)
        {
            return _tables[table].Items.GetValueOrDefault(key);
        }
    }

    /// <summary>An application's write (or TTL's delete, <paramref name="ttl"/>), unconditional, recorded like any other.</summary>
    public void Apply(TableWrite write, bool ttl = false)
    {
        lock (_lock)
        {
            var table = _tables[write.Table];
            Mutate(table, write, table.Items.GetValueOrDefault(write.Key), ttl);
        }
    }

    /// <summary>An application's TransactWriteItems of unconditional writes.</summary>
    public void ApplyAll(IReadOnlyList<TableWrite> writes)
    {
        lock (_lock)
        {
            foreach (var write in writes)
            {
                var table = _tables[write.Table];
                Mutate(table, write, table.Items.GetValueOrDefault(write.Key), ttl: false);
            }
        }
    }

    public Task<TableWriteOutcome> WriteAsync(TableWrite write, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Invalid(write, alone: true) is { } invalid)
        {
            return Task.FromException<TableWriteOutcome>(invalid);
        }

        BeforeWrite?.Invoke(write);
        lock (_lock)
        {
            if (!_tables.TryGetValue(write.Table, out var table))
            {
                return Task.FromResult<TableWriteOutcome>(new TableWriteOutcome.Failed(NoTable(write.Table)));
            }

            var current = table.Items.GetValueOrDefault(write.Key);
            if (write.Condition is { } condition && !condition.IsMetBy(current))
            {
                return Task.FromResult<TableWriteOutcome>(new TableWriteOutcome.ConditionFailed(current));
            }

            var after = Mutate(table, write, current, ttl: false);
            return Task.FromResult<TableWriteOutcome>(new TableWriteOutcome.Written(write is TableWrite.Set ? after : null));
        }
    }

    public Task<TransactionOutcome> TransactAsync(IReadOnlyList<TableWrite> writes, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (writes.Select(write => Invalid(write, alone: false)).FirstOrDefault(invalid => invalid is not null) is { } invalid)
        {
            return Task.FromException<TransactionOutcome>(invalid);
        }

        if (writes.GroupBy(write => (write.Table, write.Key)).FirstOrDefault(group => group.Count() > 1) is { } twice)
        {
            // DynamoDB refuses the whole request (ValidationException) before looking at any condition.
            return Task.FromResult<TransactionOutcome>(new TransactionOutcome.Failed(new Refusal(TargetErrorKind.Poison, $"{region}:{twice.Key.Table}: Transaction request cannot include multiple operations on one item ({twice.Key.Key})")));
        }

        foreach (var write in writes)
        {
            BeforeWrite?.Invoke(write);
        }

        lock (_lock)
        {
            if (writes.FirstOrDefault(write => !_tables.ContainsKey(write.Table)) is { } missing)
            {
                return Task.FromResult<TransactionOutcome>(new TransactionOutcome.Failed(NoTable(missing.Table)));
            }

            var failed = writes
                .Select((write, index) => (write, index))
                .Where(pair => pair.write.Condition is { } condition && !condition.IsMetBy(_tables[pair.write.Table].Items.GetValueOrDefault(pair.write.Key)))
                .Select(pair => pair.index)
                .ToList();
            if (failed.Count > 0)
            {
                return Task.FromResult<TransactionOutcome>(new TransactionOutcome.Cancelled(failed));
            }

            foreach (var write in writes)
            {
                var table = _tables[write.Table];
                Mutate(table, write, table.Items.GetValueOrDefault(write.Key), ttl: false);
            }

            return Task.FromResult<TransactionOutcome>(new TransactionOutcome.Written());
        }
    }

    public Task<TableReadOutcome> ReadAsync(string table, IReadOnlyList<ItemKey> keys, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (!_tables.TryGetValue(table, out var found))
            {
                return Task.FromResult<TableReadOutcome>(new TableReadOutcome.Failed(NoTable(table)));
            }

            var items = keys.Distinct().Where(found.Items.ContainsKey).ToDictionary(key => key, key => found.Items[key]);
            return Task.FromResult<TableReadOutcome>(new TableReadOutcome.Read(items));
        }
    }

    /// <summary>What DynamoDbRegionTables refuses before sending anything: a check outside a transaction, and an ordering of anything but strings (which <see cref="Condition.IsMetBy"/> does not order, and DynamoDB would).</summary>
    private static ArgumentException? Invalid(TableWrite write, bool alone) =>
        alone && write is TableWrite.Check ? new ArgumentException($"a {nameof(TableWrite.Check)} is made in a transaction only", nameof(write))
        : write.Condition is { } condition && OrdersANonString(condition) ? new ArgumentException($"the condition {condition} orders a value that is not a string", nameof(write))
        : null;

    private static bool OrdersANonString(Condition condition) => condition switch
    {
        Condition.Comparison { Kind: not ComparisonKind.Equal } comparison => comparison.Value.Type != DynamoType.S,
        Condition.Both both => OrdersANonString(both.Left) || OrdersANonString(both.Right),
        Condition.Either either => OrdersANonString(either.Left) || OrdersANonString(either.Right),
        _ => false,
    };

    private Refusal NoTable(string table) => new(TargetErrorKind.Fatal, $"{region}:{table}: Requested resource not found (no such table)");

    /// <summary>Makes the write and records it; returns the item after.</summary>
    private IReadOnlyDictionary<string, DynamoValue>? Mutate(Table table, TableWrite write, IReadOnlyDictionary<string, DynamoValue>? before, bool ttl)
    {
        IReadOnlyDictionary<string, DynamoValue>? after = write switch
        {
            TableWrite.Put put => put.Item,
            TableWrite.Set set => new Dictionary<string, DynamoValue>(before ?? write.Key.Attributes) { [set.Attribute] = set.Value },
            TableWrite.Delete => null,
            TableWrite.Check => before,
            _ => throw new InvalidOperationException($"unknown write {write}"),
        };
        if (write is TableWrite.Check)
        {
            return before;
        }

        if (after is null)
        {
            table.Items.Remove(write.Key);
        }
        else
        {
            table.Items[write.Key] = after;
        }

        var unchanged = before is null ? after is null : after is not null && DynamoValue.MapsEqual(before, after);
        if (table.Stream is { } stream && (!unchanged || (RecordsUnchangedWrites && after is not null)))
        {
            var sequence = SequenceNumber.Parse((++_sequence).ToString(CultureInfo.InvariantCulture));
            var now = clock();
            var seconds = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
            var kind = after is null ? ChangeKind.Remove : before is null ? ChangeKind.Insert : ChangeKind.Modify;
            stream.Add(new ChangeRecord(
                $"{region}-{sequence}", kind, sequence, write.Key, after, before, seconds, region,
                $"arn:aws:dynamodb:{region}:123456789012:table/{write.Table}/stream/2026-12-01T00:00:00.000", StreamViewType.NewAndOldImages, 0, ttl && kind == ChangeKind.Remove, ReadOnlyMemory<byte>.Empty));
        }

        return after;
    }

    private sealed record Table(string KeyAttribute, List<ChangeRecord>? Stream)
    {
        public Dictionary<ItemKey, IReadOnlyDictionary<string, DynamoValue>> Items { get; } = [];
    }
}
