using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Replicator.Applying;
using Replicator.Model;
using Replicator.MultiActive;
using Condition = Replicator.MultiActive.Condition;

namespace Replicator.Aws.MultiActive;

/// <summary>
/// One region's tables on DynamoDB, for multi-active replication: PutItem, UpdateItem
/// (<c>SET</c>, answering ALL_NEW), DeleteItem and TransactWriteItems, each with its
/// <see cref="Condition"/> as a ConditionExpression (<see cref="Expressions"/>), and strongly
/// consistent BatchGetItem. A single write that fails its condition answers with the item as it
/// stands (<c>ReturnValuesOnConditionCheckFailure = ALL_OLD</c>), so the caller decides without
/// another read. No retries here and nothing the service answers is thrown: errors come back as
/// refusals (<see cref="ErrorClassifier"/>), and the caller (<c>PatientTables</c>) retries the
/// retryable ones. Tables are named by name, not ARN. The hosts use
/// <see cref="DynamoDbHttpRegionTables"/>, which sends these same requests without the SDK's
/// marshaller; this one is the reference its requests are compared with, body for body.
/// <para>
/// Measured on moto 5.2.1 (LOCAL-AWS.md): a TransactWriteItems Put emits one ordinary INSERT or
/// MODIFY record with both images, as a PutItem does (and a MODIFY even when it changes nothing,
/// which AWS does not emit); a ConditionCheck emits nothing. An UpdateItem (alone or in a
/// transaction) that creates an item emits two INSERT records on moto, the first with the key
/// only; AWS emits one. Conditions on map fields (<c>#m.#f</c>), attribute_not_exists on a path
/// whose map or field is missing, or whose attribute is not a map, behave as on AWS; only
/// <c>&lt;</c> across types differs (see <see cref="Expressions"/>).
/// </para>
/// </summary>
public sealed class DynamoDbRegionTables(IAmazonDynamoDB client, string region) : IRegionTables
{
    public string Region => region;

    public async Task<TableWriteOutcome> WriteAsync(TableWrite write, CancellationToken cancellationToken)
    {
        var operation = $"{RegionBodies.Operation(write)} on {region}:{write.Table}";
        try
        {
            switch (write)
            {
                case TableWrite.Put put:
                    await client.PutItemAsync(PutRequest(put), cancellationToken).ConfigureAwait(false);
                    return new TableWriteOutcome.Written(null);
                case TableWrite.Set set:
                    var updated = await client.UpdateItemAsync(UpdateRequest(set), cancellationToken).ConfigureAwait(false);
                    return new TableWriteOutcome.Written(updated.Attributes is { Count: > 0 } after ? AttributeValues.FromSdk(after) : null);
                case TableWrite.Delete delete:
                    await client.DeleteItemAsync(DeleteRequest(delete), cancellationToken).ConfigureAwait(false);
                    return new TableWriteOutcome.Written(null);
                default:
                    throw new ArgumentException($"{operation}: a {write.GetType().Name} is made in a transaction only", nameof(write));
            }
        }
        catch (ConditionalCheckFailedException failed)
        {
            return new TableWriteOutcome.ConditionFailed(failed.Item is { Count: > 0 } current ? AttributeValues.FromSdk(current) : null);
        }
        catch (Exception e) when (e is not ArgumentException && (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            return new TableWriteOutcome.Failed(ErrorClassifier.Classify(e, operation));
        }
    }

    public async Task<TransactionOutcome> TransactAsync(IReadOnlyList<TableWrite> writes, CancellationToken cancellationToken)
    {
        if (writes.Count == 0)
        {
            return new TransactionOutcome.Written();
        }

        var operation = $"TransactWriteItems on {region}:{string.Join(",", writes.Select(write => write.Table).Distinct(StringComparer.Ordinal))}";
        var request = new TransactWriteItemsRequest { TransactItems = [.. writes.Select(TransactItem)] };
        try
        {
            await client.TransactWriteItemsAsync(request, cancellationToken).ConfigureAwait(false);
            return new TransactionOutcome.Written();
        }
        catch (TransactionCanceledException cancelled)
        {
            return TransactionCancellation.Outcome(cancelled, operation);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new TransactionOutcome.Failed(ErrorClassifier.Classify(e, operation));
        }
    }

    /// <summary>
    /// BatchGetItem with ConsistentRead, <see cref="ReplicationOptions.MaxBatchGetKeys"/> keys a
    /// request, asking again for what the service left unprocessed while it makes progress; a
    /// request that gets nothing done answers a retryable refusal, and the caller waits and retries.
    /// </summary>
    public async Task<TableReadOutcome> ReadAsync(string table, IReadOnlyList<ItemKey> keys, CancellationToken cancellationToken)
    {
        var operation = $"BatchGetItem on {region}:{table}";
        var items = new Dictionary<ItemKey, IReadOnlyDictionary<string, DynamoValue>>();
        var keyNames = keys.Count == 0 ? [] : keys[0].Attributes.Keys.ToList();
        foreach (var chunk in keys.Distinct().Chunk(ReplicationOptions.MaxBatchGetKeys))
        {
            IReadOnlyList<Dictionary<string, AttributeValue>> pending = [.. chunk.Select(key => AttributeValues.ToSdk(key.Attributes))];
            while (pending.Count > 0)
            {
                BatchGetItemResponse response;
                try
                {
                    response = await client.BatchGetItemAsync(new BatchGetItemRequest
                    {
                        RequestItems = new Dictionary<string, KeysAndAttributes>(StringComparer.Ordinal)
                        {
                            [table] = new KeysAndAttributes { Keys = [.. pending], ConsistentRead = true },
                        },
                    }, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    return new TableReadOutcome.Failed(ErrorClassifier.Classify(e, operation));
                }

                // One table asked for, so every item and unprocessed key in the answer is ours,
                // whatever spelling of the table the service keys it by.
                var found = (response.Responses ?? []).Values.SelectMany(list => list ?? []).ToList();
                foreach (var item in found)
                {
                    var read = AttributeValues.FromSdk(item);
                    items[new ItemKey(keyNames.ToDictionary(name => name, name => read[name], StringComparer.Ordinal))] = read;
                }

                var left = (response.UnprocessedKeys ?? []).Values.SelectMany(unprocessed => unprocessed?.Keys ?? []).ToList();
                if (found.Count == 0 && left.Count >= pending.Count)
                {
                    return new TableReadOutcome.Failed(new Refusal(TargetErrorKind.Retryable, $"{operation}: the service left all {left.Count} key(s) unprocessed"));
                }

                pending = left;
            }
        }

        return new TableReadOutcome.Read(items);
    }

    private static PutItemRequest PutRequest(TableWrite.Put put)
    {
        var expressions = new Expressions();
        return new PutItemRequest
        {
            TableName = put.Table,
            Item = AttributeValues.ToSdk(put.Item),
            ConditionExpression = expressions.Condition(put.Condition),
            ExpressionAttributeNames = expressions.Names,
            ExpressionAttributeValues = SdkValues(expressions),
            ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
        };
    }

    private static UpdateItemRequest UpdateRequest(TableWrite.Set set)
    {
        var expressions = new Expressions();
        return new UpdateItemRequest
        {
            TableName = set.Table,
            Key = AttributeValues.ToSdk(set.Key.Attributes),
            UpdateExpression = $"SET {expressions.Name(set.Attribute)} = {expressions.Value(set.Value)}",
            ConditionExpression = expressions.Condition(set.Condition),
            ExpressionAttributeNames = expressions.Names,
            ExpressionAttributeValues = SdkValues(expressions),
            ReturnValues = ReturnValue.ALL_NEW,
            ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
        };
    }

    private static DeleteItemRequest DeleteRequest(TableWrite.Delete delete)
    {
        var expressions = new Expressions();
        return new DeleteItemRequest
        {
            TableName = delete.Table,
            Key = AttributeValues.ToSdk(delete.Key.Attributes),
            ConditionExpression = expressions.Condition(delete.Condition),
            ExpressionAttributeNames = expressions.Names,
            ExpressionAttributeValues = SdkValues(expressions),
            ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
        };
    }

    private static Dictionary<string, AttributeValue>? SdkValues(Expressions expressions) =>
        expressions.Values is { } values ? AttributeValues.ToSdk(values) : null;

    /// <summary>One write of a transaction; the cancellation says which failed, so no item is asked back.</summary>
    private static TransactWriteItem TransactItem(TableWrite write)
    {
        var expressions = new Expressions();
        var key = AttributeValues.ToSdk(write.Key.Attributes);
        switch (write)
        {
            case TableWrite.Put put:
                var item = AttributeValues.ToSdk(put.Item);
                var putCondition = expressions.Condition(put.Condition);
                return new TransactWriteItem { Put = new Put { TableName = put.Table, Item = item, ConditionExpression = putCondition, ExpressionAttributeNames = expressions.Names, ExpressionAttributeValues = SdkValues(expressions) } };
            case TableWrite.Set set:
                var update = $"SET {expressions.Name(set.Attribute)} = {expressions.Value(set.Value)}";
                var setCondition = expressions.Condition(set.Condition);
                return new TransactWriteItem { Update = new Update { TableName = set.Table, Key = key, UpdateExpression = update, ConditionExpression = setCondition, ExpressionAttributeNames = expressions.Names, ExpressionAttributeValues = SdkValues(expressions) } };
            case TableWrite.Delete delete:
                var deleteCondition = expressions.Condition(delete.Condition);
                return new TransactWriteItem { Delete = new Delete { TableName = delete.Table, Key = key, ConditionExpression = deleteCondition, ExpressionAttributeNames = expressions.Names, ExpressionAttributeValues = SdkValues(expressions) } };
            case TableWrite.Check check:
                var checkCondition = expressions.Condition(check.Condition);
                return new TransactWriteItem { ConditionCheck = new ConditionCheck { TableName = check.Table, Key = key, ConditionExpression = checkCondition, ExpressionAttributeNames = expressions.Names, ExpressionAttributeValues = SdkValues(expressions) } };
            default:
                throw new ArgumentException($"unknown write {write}", nameof(write));
        }
    }
}
