namespace Replicator.Cli;

/// <summary>A row of block characters, one a value, scaled to the largest: a chart that fits in a table cell.</summary>
internal static class Sparkline
{
    private const string Blocks = "▁▂▃▄▅▆▇█";

    /// <summary>A value of null (no sample) is a space; zero, or every value equal to zero, is the lowest block.</summary>
    public static string Render(IReadOnlyList<double?> values)
    {
        var max = values.Max() ?? 0;
        return string.Concat(values.Select(value => value switch
        {
            null => ' ',
            _ when max <= 0 => Blocks[0],
            { } v => Blocks[(int)Math.Round(Math.Clamp(v / max, 0, 1) * (Blocks.Length - 1))],
        }));
    }
}
