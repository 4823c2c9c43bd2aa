using System.Globalization;

namespace Replicator.StandIn;

internal sealed record Options(int Port, long Items, int ItemBytes, int DelayMs, double ReadUnits, double WriteUnits, int Shards)
{
    /// <summary>Stream records there from the start (a backlog), spread over the shards.</summary>
    public long Records { get; init; }

    /// <summary>Stream records made each second, spread over the open shards.</summary>
    public double RecordsPerSecond { get; init; }

    /// <summary>Every this many seconds each open shard closes and a child takes its writes (0: never).</summary>
    public double RollEverySeconds { get; init; }

    /// <summary>GetRecords calls a shard answers in one second before LimitExceededException (0: any number; DynamoDB's is 5).</summary>
    public int ShardReadsPerSecond { get; init; }

    public static Options Parse(string[] args)
    {
        var options = new Options(0, 100_000, 1024, 0, 0, 0, 1);
        for (var i = 0; i < args.Length; i += 2)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]}: a value is missing");
            options = args[i] switch
            {
                "--port" => options with { Port = int.Parse(value, CultureInfo.InvariantCulture) },
                "--items" => options with { Items = long.Parse(value, CultureInfo.InvariantCulture) },
                "--item-bytes" => options with { ItemBytes = int.Parse(value, CultureInfo.InvariantCulture) },
                "--delay-ms" => options with { DelayMs = int.Parse(value, CultureInfo.InvariantCulture) },
                "--read-units" => options with { ReadUnits = double.Parse(value, CultureInfo.InvariantCulture) },
                "--write-units" => options with { WriteUnits = double.Parse(value, CultureInfo.InvariantCulture) },
                "--shards" => options with { Shards = int.Parse(value, CultureInfo.InvariantCulture) },
                "--records" => options with { Records = long.Parse(value, CultureInfo.InvariantCulture) },
                "--records-per-second" => options with { RecordsPerSecond = double.Parse(value, CultureInfo.InvariantCulture) },
                "--roll-every" => options with { RollEverySeconds = double.Parse(value, CultureInfo.InvariantCulture) },
                "--shard-reads-per-second" => options with { ShardReadsPerSecond = int.Parse(value, CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"{args[i]}: not an option of the stand-in (see Program.cs)"),
            };
        }

        return options;
    }
}
