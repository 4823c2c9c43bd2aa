using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Replicator.Applying;
using Replicator.Model;
using Replicator.Planning;

namespace Replicator.Aws;

/// <summary>Writes actions to one DynamoDB table with BatchWriteItem, PutItem and DeleteItem. No retries here: the engine retries.</summary>
public sealed class DynamoDbTargetWriter(IAmazonDynamoDB client, TargetTable target) : ITargetWriter
{
    public TargetTable Target { get; } = target;

    public async Task<IReadOnlyList<WriteAction>> WriteBatchAsync(IReadOnlyList<WriteAction> actions, CancellationToken cancellationToken)
    {
        var request = new BatchWriteItemRequest
        {
            RequestItems = new Dictionary<string, List<WriteRequest>>(StringComparer.Ordinal)
            {
                [Target.TableName] = actions.Select(ToWriteRequest).ToList(),
            },
        };

        BatchWriteItemResponse response;
        try
        {
            response = await client.BatchWriteItemAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw ErrorClassifier.Classify(e, $"BatchWriteItem on {Target}");
        }

        return response.UnprocessedItems is { } unprocessed && unprocessed.TryGetValue(Target.TableName, out var left) && left.Count > 0
            ? Unprocessed(actions, left)
            : [];
    }

    public async Task WriteOneAsync(WriteAction action, CancellationToken cancellationToken)
    {
        try
        {
            if (action.Kind == WriteKind.Put)
            {
                await client.PutItemAsync(new PutItemRequest { TableName = Target.TableName, Item = AttributeValues.ToSdk(action.Item) }, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await client.DeleteItemAsync(new DeleteItemRequest { TableName = Target.TableName, Key = AttributeValues.ToSdk(action.Item) }, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw ErrorClassifier.Classify(e, $"{(action.Kind == WriteKind.Put ? "PutItem" : "DeleteItem")} on {Target}");
        }
    }

    private static WriteRequest ToWriteRequest(WriteAction action) => action.Kind == WriteKind.Put
        ? new WriteRequest { PutRequest = new PutRequest { Item = AttributeValues.ToSdk(action.Item) } }
        : new WriteRequest { DeleteRequest = new DeleteRequest { Key = AttributeValues.ToSdk(action.Item) } };

    /// <summary>Maps the unprocessed requests the service returned back to our actions, by key.</summary>
    private static List<WriteAction> Unprocessed(IReadOnlyList<WriteAction> actions, List<WriteRequest> left)
    {
        var byKey = actions.ToDictionary(action => action.Key);
        var keyNames = actions[0].Key.Attributes.Keys.ToList();
        var result = new List<WriteAction>(left.Count);
        foreach (var request in left)
        {
            var attributes = request.PutRequest?.Item ?? request.DeleteRequest?.Key
                ?? throw new InvalidOperationException("BatchWriteItem returned an unprocessed request that is neither a put nor a delete.");
            var key = new ItemKey(keyNames.ToDictionary(name => name, name => AttributeValues.FromSdk(attributes[name]), StringComparer.Ordinal));
            result.Add(byKey.TryGetValue(key, out var action)
                ? action
                : throw new InvalidOperationException($"BatchWriteItem returned an unprocessed item {key} that was not sent."));
        }

        return result;
    }
}
