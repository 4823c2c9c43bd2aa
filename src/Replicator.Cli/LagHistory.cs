namespace Replicator.Cli;

/// <summary>
/// A shard's lag (the age of its oldest unreplicated change, 0 when caught up) over the last
/// <see cref="Window"/>, as the largest value in each of <see cref="Columns"/> equal slices of it:
/// the watch's chart, a column a slice.
/// </summary>
internal sealed class LagHistory
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    public const int Columns = 30;

    private static readonly TimeSpan Slice = Window / Columns;

    private readonly Queue<(DateTimeOffset At, double Seconds)> _samples = new();

    public static int SliceSeconds => (int)Slice.TotalSeconds;

    public void Add(DateTimeOffset at, double seconds)
    {
        _samples.Enqueue((at, seconds));
        while (_samples.Count > 0 && at - _samples.Peek().At >= Window)
        {
            _samples.Dequeue();
        }
    }

    /// <summary>Oldest first; null for a slice with no sample (before the watch started).</summary>
    public IReadOnlyList<double?> Slices(DateTimeOffset now)
    {
        var slices = new double?[Columns];
        foreach (var (at, seconds) in _samples)
        {
            var back = (int)((now - at) / Slice);
            if (back is >= 0 and < Columns)
            {
                var column = Columns - 1 - back;
                slices[column] = Math.Max(slices[column] ?? 0, seconds);
            }
        }

        return slices;
    }
}
