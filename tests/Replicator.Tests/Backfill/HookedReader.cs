using Replicator.Applying;
using Replicator.Model;
using Replicator.Tests.Verification;
using Replicator.Verification;

namespace Replicator.Tests.Backfill;

/// <summary>
/// An <see cref="InMemoryTable"/> read through a hook that may wait (honouring the caller's token)
/// or throw before each scan page: how the backfill tests hold segments in flight. It counts the
/// scans in flight and the most there ever were at once.
/// </summary>
internal sealed class HookedReader(InMemoryTable table) : ITableReader
{
    private readonly Dictionary<int, int> _callsBySegment = [];
    private int _inFlight;
    private int _mostInFlight;

    /// <summary>Before each scan page: segment, that segment's call number (1 for its first page), the caller's token.</summary>
    public Func<int, int, CancellationToken, Task> BeforeScan { get; set; } = (_, _, _) => Task.CompletedTask;

    public int InFlight => Volatile.Read(ref _inFlight);

    public int MostInFlight => Volatile.Read(ref _mostInFlight);

    public TargetTable Table => table.Table;

    public int Calls(int segment)
    {
        lock (_callsBySegment)
        {
            return _callsBySegment.GetValueOrDefault(segment);
        }
    }

    public Task<TableShape?> DescribeAsync(CancellationToken cancellationToken) => table.DescribeAsync(cancellationToken);

    public async Task<ScanPage> ScanAsync(int segment, int totalSegments, IReadOnlyDictionary<string, DynamoValue>? exclusiveStartKey, IReadOnlyList<string>? projection, CancellationToken cancellationToken)
    {
        int call;
        lock (_callsBySegment)
        {
            call = _callsBySegment[segment] = _callsBySegment.GetValueOrDefault(segment) + 1;
        }

        var now = Interlocked.Increment(ref _inFlight);
        for (var most = MostInFlight; now > most && Interlocked.CompareExchange(ref _mostInFlight, now, most) != most; most = MostInFlight)
        {
        }

        try
        {
            await BeforeScan(segment, call, cancellationToken);
            return await table.ScanAsync(segment, totalSegments, exclusiveStartKey, projection, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public Task<BatchGetResult> BatchGetAsync(IReadOnlyList<ItemKey> keys, IReadOnlyList<string>? projection, CancellationToken cancellationToken) =>
        table.BatchGetAsync(keys, projection, cancellationToken);

    public Task<IReadOnlyDictionary<string, DynamoValue>?> GetAsync(ItemKey key, CancellationToken cancellationToken) => table.GetAsync(key, cancellationToken);
}
