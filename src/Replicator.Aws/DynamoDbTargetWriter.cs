using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Replicator.Applying;
using Replicator.Model;
using Replicator.Planning;

namespace Replicator.Aws;

/// <summary>
/// Writes actions to one DynamoDB table with BatchWriteItem, PutItem and DeleteItem, naming the
/// table by <see cref="TargetTable.RequestName"/> (its ARN when given one, so a table in another
/// account is the one written). No retries here, and nothing the service answers is thrown: it
/// comes back as an outcome (<see cref="ErrorClassifier"/> sorts the errors), and the engine retries.
/// </summary>
public sealed class DynamoDbTargetWriter(IAmazonDynamoDB client, TargetTable target) : ITargetWriter
{
    public TargetTable Target { get; } = target;

    public async Task<BatchOutcome> WriteBatchAsync(IReadOnlyList<WriteAction> actions, CancellationToken cancellationToken)
    {
        var request = new BatchWriteItemRequest
        {
            RequestItems = new Dictionary<string, List<WriteRequest>>(StringComparer.Ordinal)
            {
                [Target.RequestName] = actions.Select(ToWriteRequest).ToList(),
            },
        };

        BatchWriteItemResponse response;
        try
        {
            response = await client.BatchWriteItemAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new BatchOutcome.Failed(ErrorClassifier.Classify(e, $"BatchWriteItem on {Target}"));
        }

        // The request names one table, so everything left unprocessed is ours, whether the service
        // keys it by the name we sent (RequestName) or by another spelling of the same table: an
        // entry overlooked here would count as written.
        var left = response.UnprocessedItems?.Values.SelectMany(requests => requests ?? []).ToList() ?? [];
        return left.Count > 0 ? Unprocessed(actions, left) : BatchOutcome.AllWritten;
    }

    public async Task<WriteOutcome> WriteOneAsync(WriteAction action, CancellationToken cancellationToken)
    {
        var operation = $"{(action.Kind == WriteKind.Put ? "PutItem" : "DeleteItem")} on {Target}";
        try
        {
            if (action.Kind == WriteKind.Put)
            {
                await client.PutItemAsync(new PutItemRequest { TableName = Target.RequestName, Item = AttributeValues.ToSdk(action.Item) }, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await client.DeleteItemAsync(new DeleteItemRequest { TableName = Target.RequestName, Key = AttributeValues.ToSdk(action.Item) }, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ConditionalCheckFailedException e)
        {
            return new WriteOutcome.ConditionFailed($"{operation}: the condition was not met: {e.Message}");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new WriteOutcome.Failed(ErrorClassifier.Classify(e, operation));
        }

        return WriteOutcome.Applied;
    }

    private static WriteRequest ToWriteRequest(WriteAction action) => action.Kind == WriteKind.Put
        ? new WriteRequest { PutRequest = new PutRequest { Item = AttributeValues.ToSdk(action.Item) } }
        : new WriteRequest { DeleteRequest = new DeleteRequest { Key = AttributeValues.ToSdk(action.Item) } };

    /// <summary>
    /// Maps the unprocessed requests the service returned back to our actions, by key. One that
    /// cannot be mapped makes the whole request retryable: writing the chunk again is harmless.
    /// </summary>
    private BatchOutcome Unprocessed(IReadOnlyList<WriteAction> actions, List<WriteRequest> left)
    {
        var byKey = actions.ToDictionary(action => action.Key);
        var keyNames = actions[0].Key.Attributes.Keys.ToList();
        var result = new List<WriteAction>(left.Count);
        foreach (var request in left)
        {
            var attributes = request.PutRequest?.Item ?? request.DeleteRequest?.Key;
            if (attributes is null)
            {
                return Unmapped("an unprocessed request that is neither a put nor a delete");
            }

            if (!keyNames.All(attributes.ContainsKey))
            {
                return Unmapped($"an unprocessed item without the key attributes {string.Join(", ", keyNames)}");
            }

            ItemKey key;
            try
            {
                key = new ItemKey(keyNames.ToDictionary(name => name, name => AttributeValues.FromSdk(attributes[name]), StringComparer.Ordinal));
            }
            catch (ArgumentException e)
            {
                return Unmapped($"an unprocessed item whose key cannot be read ({e.Message})");
            }

            if (!byKey.TryGetValue(key, out var action))
            {
                return Unmapped($"an unprocessed item {key} that was not sent");
            }

            result.Add(action);
        }

        return new BatchOutcome.Written(result);
    }

    private BatchOutcome Unmapped(string what) =>
        BatchOutcome.Refused(TargetErrorKind.Retryable, $"BatchWriteItem on {Target} returned {what}; the whole request is written again");
}
