namespace Replicator.Model;

/// <summary>
/// A stream record's sequence number: a decimal integer of up to 40 digits. Compared as an
/// integer (by length without leading zeros, then digit by digit), never as a string, and never
/// parsed into a fixed-width type that could overflow.
/// </summary>
public readonly struct SequenceNumber : IComparable<SequenceNumber>, IEquatable<SequenceNumber>
{
    private static readonly System.Buffers.SearchValues<char> Digits = System.Buffers.SearchValues.Create("0123456789");

    private readonly string? _digits;

    private SequenceNumber(string digits) => _digits = digits;

    /// <summary>The text exactly as the stream gave it.</summary>
    public string Value => _digits ?? "";

    public static bool TryParse(string? text, out SequenceNumber number)
    {
        number = default;
        if (string.IsNullOrEmpty(text) || text.Length > ReplicationOptions.MaxSequenceNumberDigits || text.AsSpan().ContainsAnyExcept(Digits))
        {
            return false;
        }

        number = new SequenceNumber(text);
        return true;
    }

    public static SequenceNumber Parse(string text) =>
        TryParse(text, out var number) ? number : throw new FormatException($"'{text}' is not a sequence number (a string of decimal digits).");

    public int CompareTo(SequenceNumber other)
    {
        var a = Significant(Value);
        var b = Significant(other.Value);
        return a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.SequenceCompareTo(b);
    }

    private static ReadOnlySpan<char> Significant(string digits) => digits.AsSpan().TrimStart('0');

    public bool Equals(SequenceNumber other) => CompareTo(other) == 0;

    public override bool Equals(object? obj) => obj is SequenceNumber other && Equals(other);

    public override int GetHashCode() => string.GetHashCode(Significant(Value), StringComparison.Ordinal);

    public override string ToString() => Value;

    public static bool operator ==(SequenceNumber left, SequenceNumber right) => left.Equals(right);

    public static bool operator !=(SequenceNumber left, SequenceNumber right) => !left.Equals(right);

    public static bool operator <(SequenceNumber left, SequenceNumber right) => left.CompareTo(right) < 0;

    public static bool operator >(SequenceNumber left, SequenceNumber right) => left.CompareTo(right) > 0;

    public static bool operator <=(SequenceNumber left, SequenceNumber right) => left.CompareTo(right) <= 0;

    public static bool operator >=(SequenceNumber left, SequenceNumber right) => left.CompareTo(right) >= 0;

    public static SequenceNumber Min(SequenceNumber a, SequenceNumber b) => a <= b ? a : b;
}
