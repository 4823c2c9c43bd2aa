using System.Buffers;

namespace Replicator.Aws.Http;

/// <summary>
/// An answer's body in a rented array, for the reads whose
/// pages are large and many (a scan's 1 MB pages would each be a new large-object array, and the
/// collections of the large-object heap they cause were a backfill's biggest cost). Whoever holds
/// it returns the array once nothing reads the body any more: twice is harmless. In a Debug build
/// the array is overwritten on return, so a reader that kept a slice reads garbage in tests rather
/// than someone else's page in production.
/// </summary>
internal sealed class RentedBytes : IDisposable
{
    /// <summary>
    /// A pool of its own: the shared pool keeps up to 32 arrays per size per core, which for pages of
    /// 1 to 2 MB is memory a copy does not need. A segment holds one page at a time, so 16 kept per
    /// size serve 16 segments without a new array; more segments rent beyond it, and what comes back
    /// beyond it is left to the GC.
    /// </summary>
    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(maxArrayLength: 64 * 1024 * 1024, maxArraysPerBucket: 16);

    private byte[]? _array;

    public RentedBytes(int sizeHint)
    {
        _array = Pool.Rent(Math.Max(sizeHint, 1024));
    }

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> Memory => (_array ?? throw new ObjectDisposedException(nameof(RentedBytes))).AsMemory(0, Length);

    /// <summary>Reads <paramref name="stream"/> to its end into the array, growing it as needed.</summary>
    public async Task ReadAllAsync(Stream stream, CancellationToken cancellationToken)
    {
        var array = _array ?? throw new ObjectDisposedException(nameof(RentedBytes));
        while (true)
        {
            if (Length == array.Length)
            {
                var larger = Pool.Rent(checked(array.Length * 2));
                array.AsSpan(0, Length).CopyTo(larger);
                Pool.Return(array);
                _array = array = larger;
            }

            var read = await stream.ReadAsync(array.AsMemory(Length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }

            Length += read;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _array, null) is { } array)
        {
#if DEBUG
            array.AsSpan().Fill((byte)'!');
#endif
            Pool.Return(array);
        }
    }
}
