using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Replicator.Model;

namespace Replicator.Aws.Verification;

public enum DifferenceKind : byte { Missing, Extra, Different }

/// <summary>One key on which two tables disagree: missing from the target, extra on it, or different.</summary>
public sealed record TableDifference(DifferenceKind Kind, ItemKey Key, IReadOnlyDictionary<string, DynamoValue>? Source, IReadOnlyDictionary<string, DynamoValue>? Target);

public sealed record TableComparison(long SourceItems, long TargetItems, long Matched, IReadOnlyList<TableDifference> Differences);

/// <summary>
/// Compares two tables item by item, semantically (sets unordered, numbers as decimals, binary
/// as bytes), by full, strongly consistent scans. Meant for the demo and tests on small tables.
/// </summary>
public static class TableComparer
{
    public static async Task<TableComparison> CompareAsync(IAmazonDynamoDB sourceClient, string sourceTable, IAmazonDynamoDB targetClient, string targetTable, CancellationToken cancellationToken)
    {
        var keySchema = (await sourceClient.DescribeTableAsync(sourceTable, cancellationToken).ConfigureAwait(false)).Table.KeySchema.Select(k => k.AttributeName).ToList();
        var source = await ScanAsync(sourceClient, sourceTable, keySchema, cancellationToken).ConfigureAwait(false);
        var target = await ScanAsync(targetClient, targetTable, keySchema, cancellationToken).ConfigureAwait(false);
        var differences = new List<TableDifference>();
        long matched = 0;
        foreach (var (key, item) in source)
        {
            if (!target.TryGetValue(key, out var other))
            {
                differences.Add(new TableDifference(DifferenceKind.Missing, key, item, null));
            }
            else if (!DynamoValue.MapsEqual(item, other))
            {
                differences.Add(new TableDifference(DifferenceKind.Different, key, item, other));
            }
            else
            {
                matched++;
            }
        }

        differences.AddRange(target.Where(pair => !source.ContainsKey(pair.Key)).Select(pair => new TableDifference(DifferenceKind.Extra, pair.Key, null, pair.Value)));
        return new TableComparison(source.Count, target.Count, matched, differences);
    }

    private static async Task<Dictionary<ItemKey, Dictionary<string, DynamoValue>>> ScanAsync(IAmazonDynamoDB client, string table, List<string> keySchema, CancellationToken cancellationToken)
    {
        var items = new Dictionary<ItemKey, Dictionary<string, DynamoValue>>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await client.ScanAsync(new ScanRequest { TableName = table, ConsistentRead = true, ExclusiveStartKey = start }, cancellationToken).ConfigureAwait(false);
            foreach (var raw in page.Items ?? [])
            {
                var item = AttributeValues.FromSdk(raw);
                items[new ItemKey(keySchema.ToDictionary(name => name, name => item[name], StringComparer.Ordinal))] = item;
            }

            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
        return items;
    }
}
