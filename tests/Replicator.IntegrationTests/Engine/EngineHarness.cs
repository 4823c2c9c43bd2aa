using Amazon.DynamoDBv2.Model;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.IntegrationTests.Support;
using Replicator.Model;

namespace Replicator.IntegrationTests.Engine;

/// <summary>The engine wired to real DynamoDB clients, as the hosts wire it.</summary>
internal static class EngineHarness
{
    public static readonly ReplicationSettings Settings = new()
    {
        BaseRetryDelay = TimeSpan.FromMilliseconds(5),
        MaxRetryDelay = TimeSpan.FromMilliseconds(50),
        DeadlineReserve = TimeSpan.Zero,
    };

    /// <summary>The engine the hosts build, with the hosts' writer.</summary>
    public static ReplicationEngine Engine(AwsClients clients, IEnumerable<TargetTable> targets, IDeadLetterSink? deadLetters = null) =>
        new(targets.Select(clients.Writer).ToList(), deadLetters, Settings, TimeProvider.System, new Random(3));

    public static Task<BatchReport> ApplyAsync(this ReplicationEngine engine, IEnumerable<Change> changes, TimeSpan? within = null) =>
        engine.ProcessAsync(StreamEvents.Event(changes), DateTimeOffset.UtcNow + (within ?? TimeSpan.FromSeconds(30)), CancellationToken.None);

    /// <summary>A table's items as the engine's values, by key, read strongly consistent.</summary>
    public static async Task<Dictionary<string, Dictionary<string, DynamoValue>>> ContentsAsync(MotoServer moto, TargetTable table)
    {
        var items = await moto.ScanAsync(table.Region, table.TableName);
        return items.Select(AttributeValues.FromSdk).ToDictionary(item => item["pk"].AsString());
    }

    /// <summary>What the table should hold after <paramref name="changes"/>: each key's last image, removed keys absent.</summary>
    public static Dictionary<string, Dictionary<string, DynamoValue>> Expected(IEnumerable<Change> changes)
    {
        var state = new Dictionary<string, Dictionary<string, DynamoValue>>();
        foreach (var change in changes.OrderBy(c => c.SequenceNumber))
        {
            var pk = change.Keys["pk"].AsString();
            if (change.NewImage is null)
            {
                state.Remove(pk);
            }
            else
            {
                state[pk] = change.NewImage;
            }
        }

        return state;
    }

    public static void AssertSame(Dictionary<string, Dictionary<string, DynamoValue>> expected, Dictionary<string, Dictionary<string, DynamoValue>> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (key, item) in expected)
        {
            Assert.True(DynamoValue.MapsEqual(item, actual[key]), $"item {key} differs: expected {DynamoJson.ToJson(item)}, found {DynamoJson.ToJson(actual[key])}");
        }
    }

    public static async Task<Dictionary<string, DynamoValue>?> GetAsync(MotoServer moto, TargetTable table, string pk)
    {
        var response = await moto.Clients.DynamoDb(table.Region).GetItemAsync(new GetItemRequest
        {
            TableName = table.TableName,
            Key = AttributeValues.ToSdk(StreamEvents.Key(pk)),
            ConsistentRead = true,
        });
        return response.Item is { Count: > 0 } item ? AttributeValues.FromSdk(item) : null;
    }
}
