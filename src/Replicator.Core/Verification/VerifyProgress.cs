namespace Replicator.Verification;

/// <summary>Live counters for a progress display, updated by the verifier as it goes.</summary>
public sealed class VerifyProgress
{
    private long _scanned;
    private long _differences;
    private long _total;
    private string _phase = "Starting";

    /// <summary>Items read by the scans so far (the source's, then each target's).</summary>
    public long ItemsScanned => Interlocked.Read(ref _scanned);

    /// <summary>What all the scans will read, by DynamoDB's approximate item counts (0 when unknown).</summary>
    public long ApproximateTotal => Interlocked.Read(ref _total);

    /// <summary>Differences confirmed so far.</summary>
    public long Differences => Interlocked.Read(ref _differences);

    /// <summary>What is going on: Describing, Comparing (pass one, the source's items), Extras on TABLE (pass two), Done.</summary>
    public string Phase => Volatile.Read(ref _phase);

    internal void Scanned(long items) => Interlocked.Add(ref _scanned, items);

    internal void Differed() => Interlocked.Increment(ref _differences);

    internal void Expect(long total) => Interlocked.Exchange(ref _total, total);

    internal void Enter(string phase) => Volatile.Write(ref _phase, phase);
}
