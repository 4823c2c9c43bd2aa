using System.Globalization;

namespace Replicator.StandIn;

internal sealed record Options(int Port, long Items, int ItemBytes, int DelayMs, double ReadUnits, double WriteUnits, int Shards)
{
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
                _ => throw new ArgumentException($"{args[i]}: not an option of the stand-in (see Program.cs)"),
            };
        }

        return options;
    }
}
