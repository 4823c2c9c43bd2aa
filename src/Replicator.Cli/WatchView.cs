using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Replicator.Cli;

/// <summary>How a refresh of <c>status --watch</c> is shown: a live table on a terminal, one text line a refresh otherwise (JSON: <see cref="WatchJson"/>).</summary>
internal static class WatchView
{
    public static IRenderable Live(WatchFrame frame, string checkpointFile)
    {
        var shards = new Table().Title($"Replication of {Markup.Escape(frame.StreamArn)}")
            .AddColumns("Shard", "State", "Behind (records)", "Oldest unreplicated", "Applied/s", $"Lag, last {LagHistory.Window.TotalMinutes:0} min");
        foreach (var shard in frame.Shards)
        {
            shards.AddRow(
                Markup.Escape(shard.ShardId),
                shard.State,
                Behind(shard),
                Age(shard.OldestAge),
                Rate(shard.RecordsPerSecond),
                $"{Markup.Escape(Sparkline.Render(shard.Lag))} max {Seconds(shard.Lag.Max() ?? 0)}");
        }

        List<IRenderable> rows = [shards];
        if (frame.Targets.Count > 0)
        {
            var targets = new Table().AddColumns("Target region", "Writes/s", "Last lag");
            foreach (var target in frame.Targets)
            {
                targets.AddRow(Markup.Escape(target.Region), Rate(target.WritesPerSecond), target.LastLagMs is { } lag ? $"{lag:0} ms" : "-");
            }

            rows.Add(targets);
        }

        foreach (var line in Problems(frame))
        {
            rows.Add(new Markup($"[red]{Markup.Escape(line)}[/]"));
        }

        rows.Add(new Markup(Markup.Escape($"{frame.At.UtcDateTime:HH:mm:ss} UTC · replicate {Replicate(frame.Replicate)} · checkpoint {checkpointFile} · Ctrl-C leaves")));
        return new Rows(rows);
    }

    /// <summary>One line a refresh, for a pipe or a log.</summary>
    public static string Line(WatchFrame frame)
    {
        var shards = frame.Shards.Select(shard =>
            $"{shard.ShardId} {shard.State}: {Behind(shard)} behind, oldest {Age(shard.OldestAge)}, {Rate(shard.RecordsPerSecond)} applied/s, lag {Sparkline.Render(shard.Lag).TrimStart()} (max {Seconds(shard.Lag.Max() ?? 0)})");
        var targets = frame.Targets.Select(target => $"target {target.Region}: {Rate(target.WritesPerSecond)} writes/s, last lag {(target.LastLagMs is { } lag ? $"{lag:0} ms" : "-")}");
        return string.Join("; ", [$"{frame.At.UtcDateTime:HH:mm:ss}", .. shards, .. targets, $"replicate {Replicate(frame.Replicate)}", .. Problems(frame)]);
    }

    private static IEnumerable<string> Problems(WatchFrame frame) =>
        frame.Shards.Select(shard => shard.Warning).Concat(frame.Shards.Select(shard => shard.Error)).Append(frame.DataLost).OfType<string>().Distinct(StringComparer.Ordinal);

    private static string Behind(ShardWatch shard) => $"{(shard.AtLeast ? "≥ " : "")}{shard.Behind}";

    private static string Age(TimeSpan? age) => age is { } old ? $"{Seconds(old.TotalSeconds)} ago" : "-";

    private static string Seconds(double seconds) => seconds switch
    {
        < 0 => "0 s",
        < 10 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0.0} s"),
        < 120 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0} s"),
        < 7200 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:0.0} min"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:0.0} h"),
    };

    private static string Rate(double? rate) => rate is { } value ? value.ToString("0.0", CultureInfo.InvariantCulture) : "-";

    private static string Replicate(ReplicateState state) => state switch
    {
        ReplicateState.Running => "running (progress file fresh)",
        ReplicateState.Stale => "not running (its progress file says it stopped, or is stale)",
        _ => "unknown (no progress file)",
    };
}
