using Replicator.Model;

namespace Replicator.Redrive;

/// <summary>
/// What a read of a failed batch's range learnt: its distinct keys, in stream order; and, when
/// the stream no longer held all of it (<see cref="Lost"/> says how), the keys it could still learn.
/// <see cref="Unreadable"/> names records of the range whose key could not be read.
/// </summary>
public sealed record RangeKeys(IReadOnlyList<ItemKey> Keys, string? Lost, IReadOnlyList<string> Unreadable)
{
    /// <summary>Every record of the range was read and its key learnt.</summary>
    public bool Complete => Lost is null && Unreadable.Count == 0;
}
