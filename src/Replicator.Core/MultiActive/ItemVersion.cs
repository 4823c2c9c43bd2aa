using System.Globalization;
using Replicator.Model;

namespace Replicator.MultiActive;

/// <summary>
/// An item's version in multi-active replication: a hybrid logical clock of the DynamoDB
/// server's time (whole seconds, from the stream record), a counter within that second, the
/// region the write was made in, and the write's stream sequence number. Compared in that
/// order, which is the ordinal order of <see cref="Text"/>: the time and counter are fixed-width
/// and come first, so a table's condition (<c>v &lt; :v</c>, which compares strings by their
/// bytes) orders versions exactly as this type does.
/// <para>
/// The region breaks ties between regions; the sequence number tells apart two writes of one
/// region in the same second with the same predecessor, which the stream orders but the clock
/// cannot. So no two writes ever get one version.
/// </para>
/// </summary>
public readonly record struct ItemVersion : IComparable<ItemVersion>
{
    /// <summary>At most this many writes follow one another on an item within a second; the next one carries into the next second.</summary>
    public const int MaxCounter = 999_999;

    private const string TimeFormat = "yyyyMMdd'T'HHmmss'Z'";
    private const int TimeLength = 16;
    private const int CounterLength = 6;

    private ItemVersion(long unixSeconds, int counter, string region, string sequence)
    {
        UnixSeconds = unixSeconds;
        Counter = counter;
        Region = region;
        Sequence = sequence;
        Text = string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.FromUnixTimeSeconds(unixSeconds).ToString(TimeFormat, CultureInfo.InvariantCulture)}.{counter:D6}.{region}.{sequence}");
    }

    /// <summary>Seconds since the Unix epoch, of the DynamoDB server's clock (or carried from a predecessor).</summary>
    public long UnixSeconds { get; }

    public int Counter { get; }

    /// <summary>The region the write was made in (its origin).</summary>
    public string Region { get; }

    /// <summary>The write's stream sequence number, zero-padded to 40 digits.</summary>
    public string Sequence { get; }

    /// <summary>The sortable form stored in the metadata, e.g. <c>20261201T113136Z.000000.us-east-1.000…0123</c>.</summary>
    public string Text { get; }

    public DateTimeOffset Time => DateTimeOffset.FromUnixTimeSeconds(UnixSeconds);

    /// <summary>
    /// The version of a write made at <paramref name="recordTime"/> (the stream record's
    /// ApproximateCreationDateTime, floored to whole seconds as AWS gives it) on an item whose
    /// version was <paramref name="predecessor"/>: later than the predecessor, even within the
    /// same second, and later than the record's time.
    /// </summary>
    public static ItemVersion Next(DateTimeOffset recordTime, ItemVersion? predecessor, string region, SequenceNumber sequence)
    {
        CheckRegion(region);
        var seconds = recordTime.ToUnixTimeSeconds();
        var padded = Padded(sequence);
        if (predecessor is not { } before || before.UnixSeconds < seconds)
        {
            return new ItemVersion(seconds, 0, region, padded);
        }

        return before.Counter < MaxCounter
            ? new ItemVersion(before.UnixSeconds, before.Counter + 1, region, padded)
            : new ItemVersion(before.UnixSeconds + 1, 0, region, padded);
    }

    /// <summary>A sequence number as versions hold it: 40 digits, so that text order is number order.</summary>
    public static string Padded(SequenceNumber sequence) => sequence.Value.PadLeft(ReplicationOptions.MaxSequenceNumberDigits, '0');

    /// <summary>Reads a version's <see cref="Text"/>; false for anything else (an application must not write the metadata, but may).</summary>
    public static bool TryParse(string? text, out ItemVersion version)
    {
        version = default;
        var parts = text?.Split('.');
        if (parts is not [var time, var counter, var region, var sequence]
            || time.Length != TimeLength
            || !DateTimeOffset.TryParseExact(time, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            || counter.Length != CounterLength
            || !int.TryParse(counter, NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || !IsRegion(region)
            || sequence.Length != ReplicationOptions.MaxSequenceNumberDigits
            || !sequence.All(char.IsAsciiDigit))
        {
            return false;
        }

        version = new ItemVersion(at.ToUnixTimeSeconds(), count, region, sequence);
        return true;
    }

    public static ItemVersion Parse(string text) =>
        TryParse(text, out var version) ? version : throw new FormatException($"'{text}' is not an item version.");

    /// <summary>The later of two versions, or the one that is there.</summary>
    public static ItemVersion? Max(ItemVersion? a, ItemVersion? b) =>
        a is not { } x ? b : b is not { } y ? a : x.CompareTo(y) >= 0 ? x : y;

    public int CompareTo(ItemVersion other) => string.CompareOrdinal(Text, other.Text);

    public static bool operator <(ItemVersion left, ItemVersion right) => left.CompareTo(right) < 0;

    public static bool operator >(ItemVersion left, ItemVersion right) => left.CompareTo(right) > 0;

    public static bool operator <=(ItemVersion left, ItemVersion right) => left.CompareTo(right) <= 0;

    public static bool operator >=(ItemVersion left, ItemVersion right) => left.CompareTo(right) >= 0;

    public bool Equals(ItemVersion other) => string.Equals(Text, other.Text, StringComparison.Ordinal);

    public override int GetHashCode() => Text?.GetHashCode(StringComparison.Ordinal) ?? 0;

    public override string ToString() => Text;

    /// <summary>A region id goes into the version between dots, so it is lower-case letters, digits and dashes, as AWS's are.</summary>
    public static bool IsRegion(string? region) =>
        !string.IsNullOrEmpty(region) && region.Length <= 64 && region.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    private static void CheckRegion(string region)
    {
        if (!IsRegion(region))
        {
            throw new ArgumentException($"'{region}' cannot be a region in an item version: use lower-case letters, digits and dashes, as AWS region names do.", nameof(region));
        }
    }
}
