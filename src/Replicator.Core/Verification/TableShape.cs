using Replicator.Model;

namespace Replicator.Verification;

/// <summary>One attribute of a table's primary key: its name, its type (S, N or B), and whether it is the partition key.</summary>
public sealed record KeyAttribute(string Name, string Type, bool IsPartitionKey)
{
    public override string ToString() => $"{Name} ({Type}, {(IsPartitionKey ? "partition key" : "sort key")})";
}

/// <summary>What verify needs to know about a table: its key, and DynamoDB's approximate item count (for an ETA only).</summary>
public sealed record TableShape(IReadOnlyList<KeyAttribute> Key, long ApproximateItemCount)
{
    public IReadOnlyList<string> KeyNames { get; } = Key.Select(attribute => attribute.Name).ToList();

    /// <summary>The same key: the same attribute names, types and roles.</summary>
    public bool SameKeyAs(TableShape other) =>
        Key.Count == other.Key.Count && Key.All(attribute => other.Key.Contains(attribute));

    public string DescribeKey() => string.Join(" + ", Key.OrderByDescending(attribute => attribute.IsPartitionKey));

    /// <summary>The key of an item of this table.</summary>
    public ItemKey KeyOf(IReadOnlyDictionary<string, DynamoValue> item)
    {
        var attributes = new Dictionary<string, DynamoValue>(Key.Count, StringComparer.Ordinal);
        foreach (var name in KeyNames)
        {
            attributes[name] = item.TryGetValue(name, out var value)
                ? value
                : throw new InvalidOperationException($"an item without its key attribute {name}: {DynamoJson.ToJson(item)}");
        }

        return new ItemKey(attributes);
    }
}
