using System.Buffers;

namespace Replicator.Aws.Http;

/// <summary>
/// An answer's body in an array rented from <see cref="ArrayPool{T}.Shared"/>, for the reads whose
/// pages are large and many (a scan's 1 MB pages would each be a new large-object array, and the
/// collections of the large-object heap they cause were a backfill's biggest cost). Whoever holds
/// it returns the array once nothing reads the body any more: twice is harmless. In a Debug build
/// the array is overwritten on return, so a reader that kept a slice reads garbage in tests rather
/// than someone else's page in production.
/// </summary>
internal sealed class RentedBytes : IDisposable
{
    private byte[]? _array;

    public RentedBytes(int sizeHint)
    {
        _array = ArrayPool<byte>.Shared.Rent(Math.Max(sizeHint, 1024));
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
                var larger = ArrayPool<byte>.Shared.Rent(checked(array.Length * 2));
                array.AsSpan(0, Length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(array);
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
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
