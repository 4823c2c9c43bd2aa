using System.Text;
using Replicator.IntegrationTests.Support;
using Replicator.Model;
using Replicator.Streams;

namespace Replicator.IntegrationTests.MultiActive;

/// <summary>
/// What each region's stream holds for some keys, one line a record (sequence, kind, the
/// metadata's version and delete mark and the item's name, old → new), read straight from moto:
/// when the regions disagree, the records that led there.
/// </summary>
internal static class EndToEndHistory
{
    public static async Task<string> OfAsync(MotoServer moto, string table, IEnumerable<string> regions, IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        foreach (var region in regions)
        {
            text.AppendLine($"-- {region}");
            foreach (var record in await RecordsAsync(moto, region, table, cancellationToken))
            {
                if (record.Key.Attributes.TryGetValue("pk", out var pk) && keys.Contains(pk.AsString()))
                {
                    text.AppendLine($"{record.SequenceNumber.Value[^4..]} {pk.AsString()} {record.ApproximateCreationTime:HH:mm:ss.fff} {record.Kind}: {Describe(record.OldImage)} -> {Describe(record.NewImage)}");
                }
            }
        }

        return text.ToString();
    }

    private static async Task<List<ChangeRecord>> RecordsAsync(MotoServer moto, string region, string table, CancellationToken cancellationToken)
    {
        var streams = moto.Clients.Streams(region);
        var arn = (await moto.Clients.DynamoDb(region).DescribeTableAsync(table, cancellationToken)).Table.LatestStreamArn;
        var shard = (await streams.DescribeStreamAsync(arn, cancellationToken)).Shards.Single();
        var iterator = await streams.GetShardIteratorAsync(arn, shard.ShardId, ShardIteratorType.TrimHorizon, null, cancellationToken);
        var records = new List<ChangeRecord>();
        while (iterator is not null)
        {
            var page = await streams.GetRecordsAsync(iterator, cancellationToken);
            if (page.Batch.Records.Count == 0)
            {
                break; // moto's one shard never closes: an empty page is the end.
            }

            records.AddRange(page.Batch.Records);
            iterator = page.NextShardIterator;
        }

        return records;
    }

    private static string Describe(IReadOnlyDictionary<string, DynamoValue>? image)
    {
        if (image is null)
        {
            return "none";
        }

        var name = image.TryGetValue("name", out var n) ? n.AsString() : "-";
        var visits = image.TryGetValue("visits", out var v) ? v.AsNumber() : "-";
        if (!image.TryGetValue(ReplicationOptions.DefaultMetadataAttribute, out var metadata) || metadata.Type != DynamoType.M)
        {
            return $"[unversioned] {name} v{visits}";
        }

        var fields = metadata.AsMap();
        var version = fields.TryGetValue("v", out var text) ? Short(text.AsString()) : "?";
        var deleted = fields.TryGetValue("deleted", out var mark) && mark.Type == DynamoType.BOOL && mark.AsBool() ? " DELETED" : "";
        var seen = fields.TryGetValue("seen", out var map) && map.Type == DynamoType.M
            ? string.Join(",", map.AsMap().Select(pair => Short(pair.Value.AsString())))
            : "";
        return $"[{version}{deleted} seen {seen}] {name} v{visits}";
    }

    /// <summary>A version without its padding: time.counter.region.seq (last 4 digits).</summary>
    private static string Short(string version) =>
        version.Split('.') is [var time, var counter, var region, var sequence] ? $"{time[9..15]}.{counter.TrimStart('0')}.{region}.{sequence[^4..]}" : version;
}
