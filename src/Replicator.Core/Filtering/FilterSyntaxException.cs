namespace Replicator.Filtering;

/// <summary>A filter that does not parse: <see cref="Position"/> is the 1-based character where the parser stopped, and the message says what it expected there.</summary>
public sealed class FilterSyntaxException(int position, string message) : FormatException($"at position {position}: {message}")
{
    public int Position { get; } = position;
}
