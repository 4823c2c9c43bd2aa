namespace Replicator.Tests.Streams;

/// <summary>Counts calls in flight at once, overall and by a key, and the most seen.</summary>
internal sealed class InFlight
{
    private readonly Dictionary<string, int> _byKey = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _now;

    public int Most { get; private set; }

    public int MostForOneKey { get; private set; }

    public async Task<T> RunAsync<T>(string key, Func<Task<T>> call)
    {
        lock (_lock)
        {
            Most = Math.Max(Most, ++_now);
            _byKey[key] = _byKey.GetValueOrDefault(key) + 1;
            MostForOneKey = Math.Max(MostForOneKey, _byKey[key]);
        }

        try
        {
            return await call();
        }
        finally
        {
            lock (_lock)
            {
                _now--;
                _byKey[key]--;
            }
        }
    }
}
