using System.Collections.Concurrent;
using System.Text.Json;

namespace Replicator.StandIn;

/// <summary>What the stand-in served, for the benchmark to read at <c>GET /stats</c>: requests per operation, items read and written, capacity refusals, and connections (open now, the most open at once, opened in all).</summary>
internal sealed class Stats
{
    private readonly ConcurrentDictionary<string, long> _requests = new(StringComparer.Ordinal);
    private long _itemsRead;
    private long _itemsWritten;
    private long _bytesWritten;
    private long _throttled;
    private long _unprocessed;
    private long _connectionsOpen;
    private long _connectionsPeak;
    private long _connectionsOpened;
    private long _inFlight;
    private long _inFlightPeak;

    public void Request(string operation) => _requests.AddOrUpdate(operation, 1, (_, count) => count + 1);

    public void Read(long items) => Interlocked.Add(ref _itemsRead, items);

    public void Written(long items, long bytes)
    {
        Interlocked.Add(ref _itemsWritten, items);
        Interlocked.Add(ref _bytesWritten, bytes);
    }

    public void Throttled() => Interlocked.Increment(ref _throttled);

    public void Unprocessed(long items) => Interlocked.Add(ref _unprocessed, items);

    public void ConnectionOpened()
    {
        Interlocked.Increment(ref _connectionsOpened);
        Peak(ref _connectionsPeak, Interlocked.Increment(ref _connectionsOpen));
    }

    public void ConnectionClosed() => Interlocked.Decrement(ref _connectionsOpen);

    public void Started() => Peak(ref _inFlightPeak, Interlocked.Increment(ref _inFlight));

    public void Finished() => Interlocked.Decrement(ref _inFlight);

    public void Reset()
    {
        _requests.Clear();
        Interlocked.Exchange(ref _itemsRead, 0);
        Interlocked.Exchange(ref _itemsWritten, 0);
        Interlocked.Exchange(ref _bytesWritten, 0);
        Interlocked.Exchange(ref _throttled, 0);
        Interlocked.Exchange(ref _unprocessed, 0);
        Interlocked.Exchange(ref _connectionsOpened, 0);
        Interlocked.Exchange(ref _connectionsPeak, Interlocked.Read(ref _connectionsOpen));
        Interlocked.Exchange(ref _inFlightPeak, Interlocked.Read(ref _inFlight));
    }

    public void WriteTo(Utf8JsonWriter writer, Action<Utf8JsonWriter>? more)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("requests");
        foreach (var (operation, count) in _requests.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            writer.WriteNumber(operation, count);
        }

        writer.WriteEndObject();
        writer.WriteNumber("itemsRead", Interlocked.Read(ref _itemsRead));
        writer.WriteNumber("itemsWritten", Interlocked.Read(ref _itemsWritten));
        writer.WriteNumber("bytesWritten", Interlocked.Read(ref _bytesWritten));
        writer.WriteNumber("throttled", Interlocked.Read(ref _throttled));
        writer.WriteNumber("unprocessedItems", Interlocked.Read(ref _unprocessed));
        writer.WriteNumber("connectionsOpen", Interlocked.Read(ref _connectionsOpen));
        writer.WriteNumber("connectionsPeak", Interlocked.Read(ref _connectionsPeak));
        writer.WriteNumber("connectionsOpened", Interlocked.Read(ref _connectionsOpened));
        writer.WriteNumber("inFlightPeak", Interlocked.Read(ref _inFlightPeak));
        more?.Invoke(writer);
        writer.WriteEndObject();
    }

    private static void Peak(ref long peak, long value)
    {
        for (var seen = Interlocked.Read(ref peak); value > seen; seen = Interlocked.Read(ref peak))
        {
            if (Interlocked.CompareExchange(ref peak, value, seen) == seen)
            {
                return;
            }
        }
    }
}
