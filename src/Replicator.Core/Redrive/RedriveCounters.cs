namespace Replicator.Redrive;

/// <summary>A redrive's progress as it goes, for a progress display; read from any thread.</summary>
public sealed class RedriveCounters
{
    private int _read;
    private int _redriven;
    private int _kept;

    public int LettersRead => Volatile.Read(ref _read);

    public int Redriven => Volatile.Read(ref _redriven);

    public int Kept => Volatile.Read(ref _kept);

    internal void Read(int count) => Interlocked.Add(ref _read, count);

    internal void Done(int redriven, int kept)
    {
        Interlocked.Add(ref _redriven, redriven);
        Interlocked.Add(ref _kept, kept);
    }
}
