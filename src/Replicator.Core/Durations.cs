using System.Globalization;

namespace Replicator;

/// <summary>
/// Durations as people type them in options and environment variables: a whole number and one
/// unit, <c>s</c>, <c>m</c>, <c>h</c> or <c>d</c> (<c>90m</c>, <c>36h</c>, <c>7d</c>). One parser
/// for every host, so <c>TOMBSTONE_RETENTION</c> and <c>--tombstone-retention</c> read alike.
/// </summary>
public static class Durations
{
    /// <summary>What <see cref="TryParse"/> takes, for error messages.</summary>
    public const string Form = "a whole number and a unit, s, m, h or d (e.g. 90m, 36h, 7d)";

    /// <summary>Reads <c>&lt;n&gt;s|m|h|d</c>, n a whole number of at least 1; surrounding spaces are ignored. False for anything else, or a duration too long for a <see cref="TimeSpan"/>.</summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        var trimmed = text?.Trim() ?? "";
        if (trimmed.Length < 2)
        {
            return false;
        }

        var unit = trimmed[^1] switch
        {
            's' => TimeSpan.TicksPerSecond,
            'm' => TimeSpan.TicksPerMinute,
            'h' => TimeSpan.TicksPerHour,
            'd' => TimeSpan.TicksPerDay,
            _ => 0,
        };
        // NumberStyles.None: digits only, no sign, no spaces, no separators inside.
        if (unit == 0
            || !long.TryParse(trimmed.AsSpan(0, trimmed.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || count < 1
            || count > TimeSpan.MaxValue.Ticks / unit)
        {
            return false;
        }

        duration = TimeSpan.FromTicks(count * unit);
        return true;
    }

    /// <summary>The shortest exact spelling <see cref="TryParse"/> reads back (<c>7d</c>, <c>25h</c>, <c>90m</c>), or seconds rounded down.</summary>
    public static string Format(TimeSpan duration)
    {
        var ticks = duration.Ticks;
        return ticks switch
        {
            > 0 when ticks % TimeSpan.TicksPerDay == 0 => string.Create(CultureInfo.InvariantCulture, $"{ticks / TimeSpan.TicksPerDay}d"),
            > 0 when ticks % TimeSpan.TicksPerHour == 0 => string.Create(CultureInfo.InvariantCulture, $"{ticks / TimeSpan.TicksPerHour}h"),
            > 0 when ticks % TimeSpan.TicksPerMinute == 0 => string.Create(CultureInfo.InvariantCulture, $"{ticks / TimeSpan.TicksPerMinute}m"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{ticks / TimeSpan.TicksPerSecond}s"),
        };
    }
}
