using System.Text.Json;
using Replicator.Aws.Http;
using Replicator.Model;
using Replicator.MultiActive;

namespace Replicator.Aws.MultiActive;

/// <summary>
/// The bodies of the calls multi-active makes (PutItem, UpdateItem, DeleteItem, TransactWriteItems,
/// BatchGetItem), written straight into a pooled buffer with the expressions
/// <see cref="DynamoDbRegionTables"/> sends (<see cref="Expressions"/>): an item that is a
/// <see cref="RawImage"/> goes in as its bytes, any other, and every key and expression value, as
/// DynamoDB JSON. A condition that cannot be expressed throws <see cref="ArgumentException"/>
/// before anything is sent.
/// </summary>
internal static class RegionBodies
{
    /// <summary>Room for a request's members beside its item: table name, expressions, their names and values.</summary>
    private const int EnvelopeBytes = 512;

    /// <summary>A guess at the size of an item written from its values, for the first buffer (it grows when short).</summary>
    private const int ValuesItemBytes = 512;

    /// <summary>The operation that makes <paramref name="write"/>, alone or (ConditionCheck) in a transaction.</summary>
    public static string Operation(TableWrite write) => write switch
    {
        TableWrite.Put => "PutItem",
        TableWrite.Set => "UpdateItem",
        TableWrite.Delete => "DeleteItem",
        _ => "ConditionCheck",
    };

    /// <summary>
    /// A PutItem, UpdateItem (<c>SET</c>, answering ALL_NEW) or DeleteItem on its own, answering the
    /// item as it stands when its condition fails (<c>ReturnValuesOnConditionCheckFailure = ALL_OLD</c>).
    /// </summary>
    public static PooledBuffer Write(TableWrite write) => WriteBodies.Write(Size(write), writer =>
    {
        writer.WriteStartObject();
        Members(writer, write);
        if (write is TableWrite.Set)
        {
            writer.WriteString("ReturnValues", "ALL_NEW");
        }

        writer.WriteString("ReturnValuesOnConditionCheckFailure", "ALL_OLD");
        writer.WriteEndObject();
    });

    /// <summary><c>{"TransactItems":[{"Put":…},{"Update":…},{"Delete":…},{"ConditionCheck":…}]}</c>; the cancellation says which failed, so no item is asked back.</summary>
    public static PooledBuffer TransactWriteItems(IReadOnlyList<TableWrite> writes) => WriteBodies.Write(writes.Sum(Size), writer =>
    {
        writer.WriteStartObject();
        writer.WriteStartArray("TransactItems");
        foreach (var write in writes)
        {
            writer.WriteStartObject();
            writer.WriteStartObject(write switch
            {
                TableWrite.Put => "Put",
                TableWrite.Set => "Update",
                TableWrite.Delete => "Delete",
                TableWrite.Check => "ConditionCheck",
                _ => throw new ArgumentException($"unknown write {write}", nameof(writes)),
            });
            Members(writer, write);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    });

    /// <summary><c>{"RequestItems":{"table":{"Keys":[…],"ConsistentRead":true}}}</c>.</summary>
    public static PooledBuffer BatchGetItem(string table, IReadOnlyList<IReadOnlyDictionary<string, DynamoValue>> keys) =>
        WriteBodies.Write(64 + table.Length + keys.Sum(key => key is RawImage raw ? raw.Json.Length : 64), writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("RequestItems");
            writer.WriteStartObject(table);
            writer.WriteStartArray("Keys");
            foreach (var key in keys)
            {
                WriteBodies.Attributes(writer, key);
            }

            writer.WriteEndArray();
            writer.WriteBoolean("ConsistentRead", true);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        });

    /// <summary>
    /// What a write says, alone or in a transaction: its table, item (a put) or key, update and
    /// condition expressions, and their names and values. The update is rendered before the
    /// condition, as the SDK's requests are, so both send the same placeholders.
    /// </summary>
    private static void Members(Utf8JsonWriter writer, TableWrite write)
    {
        var expressions = new Expressions();
        var update = write is TableWrite.Set set ? $"SET {expressions.Name(set.Attribute)} = {expressions.Value(set.Value)}" : null;
        var condition = expressions.Condition(write.Condition);
        writer.WriteString("TableName", write.Table);
        if (write is TableWrite.Put put)
        {
            writer.WritePropertyName("Item");
            WriteBodies.Attributes(writer, put.Item);
        }
        else
        {
            writer.WritePropertyName("Key");
            WriteBodies.Attributes(writer, write.Key.Attributes);
        }

        if (update is not null)
        {
            writer.WriteString("UpdateExpression", update);
        }

        if (condition is not null)
        {
            writer.WriteString("ConditionExpression", condition);
        }

        if (expressions.Names is { } names)
        {
            writer.WriteStartObject("ExpressionAttributeNames");
            foreach (var (placeholder, name) in names)
            {
                writer.WriteString(placeholder, name);
            }

            writer.WriteEndObject();
        }

        if (expressions.Values is { } values)
        {
            writer.WritePropertyName("ExpressionAttributeValues");
            DynamoJson.WriteItem(writer, values);
        }
    }

    private static int Size(TableWrite write) =>
        EnvelopeBytes + write.Table.Length + (write is TableWrite.Put { Item: RawImage raw } ? raw.Json.Length : ValuesItemBytes);
}
