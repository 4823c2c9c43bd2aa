using System.Text.Json;

namespace Replicator.StandIn;

/// <summary>
/// The lag of each replicated record, recorded as its write reaches a target: the write's arrival
/// less the time the stand-in's stream made the record (the <c>gen</c> attribute of its new image,
/// Unix microseconds). The first 4 million are kept, for percentiles at <c>GET /stats</c>. After a
/// reset, only records made since count: a backlog from before (a warm-up) is not the steady lag.
/// </summary>
internal sealed class Lags
{
    private const int Kept = 4_000_000;
    private static readonly byte[] GenAttribute = "\"gen\":{\"N\":\""u8.ToArray();
    private readonly long[] _micros = new long[Kept];
    private long _count;
    private long _first = long.MaxValue;
    private long _last;
    private long _since;

    /// <summary>Records the lag of one item written, if it carries <c>gen</c> (a top-level number attribute of the stand-in's items).</summary>
    public void Written(ReadOnlySpan<byte> item)
    {
        var at = item.IndexOf(GenAttribute);
        if (at < 0 || !System.Buffers.Text.Utf8Parser.TryParse(item[(at + GenAttribute.Length)..], out long generated, out _) || generated < Interlocked.Read(ref _since))
        {
            return;
        }

        var now = StreamSet.NowMicros();
        var index = Interlocked.Increment(ref _count) - 1;
        if (index < Kept)
        {
            _micros[index] = now - generated;
        }

        for (var seen = Interlocked.Read(ref _first); now < seen && Interlocked.CompareExchange(ref _first, now, seen) != seen; seen = Interlocked.Read(ref _first))
        {
        }

        for (var seen = Interlocked.Read(ref _last); now > seen && Interlocked.CompareExchange(ref _last, now, seen) != seen; seen = Interlocked.Read(ref _last))
        {
        }
    }

    public void Reset()
    {
        Interlocked.Exchange(ref _since, StreamSet.NowMicros());
        Interlocked.Exchange(ref _count, 0);
        Interlocked.Exchange(ref _first, long.MaxValue);
        Interlocked.Exchange(ref _last, 0);
    }

    /// <summary><c>"lag":{"count":…,"p50Ms":…,"p99Ms":…,"maxMs":…,"firstWriteMicros":…,"lastWriteMicros":…}</c>.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        var count = Interlocked.Read(ref _count);
        var sorted = _micros.AsSpan(0, (int)Math.Min(count, Kept)).ToArray();
        Array.Sort(sorted);
        writer.WriteStartObject("lag");
        writer.WriteNumber("count", count);
        if (sorted.Length > 0)
        {
            writer.WriteNumber("p50Ms", Percentile(sorted, 0.50));
            writer.WriteNumber("p99Ms", Percentile(sorted, 0.99));
            writer.WriteNumber("maxMs", sorted[^1] / 1000.0);
            writer.WriteNumber("firstWriteMicros", Interlocked.Read(ref _first));
            writer.WriteNumber("lastWriteMicros", Interlocked.Read(ref _last));
        }

        writer.WriteEndObject();
    }

    private static double Percentile(long[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)] / 1000.0;
}
