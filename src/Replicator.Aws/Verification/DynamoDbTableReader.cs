using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Replicator.Applying;
using Replicator.Model;
using Replicator.Verification;

namespace Replicator.Aws.Verification;

/// <summary>
/// Reads one DynamoDB table for verify, every read strongly consistent (Scan, BatchGetItem and
/// GetItem with ConsistentRead), naming the table by <see cref="TargetTable.RequestName"/>. No
/// retries here: errors are classified as the writer's are, and the verifier retries.
/// </summary>
public sealed class DynamoDbTableReader(IAmazonDynamoDB client, TargetTable table) : ITableReader
{
    public TargetTable Table { get; } = table;

    public async Task<TableShape?> DescribeAsync(CancellationToken cancellationToken)
    {
        TableDescription description;
        try
        {
            description = (await client.DescribeTableAsync(new DescribeTableRequest { TableName = Table.RequestName }, cancellationToken).ConfigureAwait(false)).Table;
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw Classify(e, "DescribeTable");
        }

        var types = (description.AttributeDefinitions ?? []).ToDictionary(definition => definition.AttributeName, definition => definition.AttributeType.Value, StringComparer.Ordinal);
        var key = (description.KeySchema ?? [])
            .Select(element => new KeyAttribute(element.AttributeName, types.GetValueOrDefault(element.AttributeName, "?"), element.KeyType == KeyType.HASH))
            .ToList();
        return new TableShape(key, description.ItemCount ?? 0);
    }

    public async Task<ScanPage> ScanAsync(int segment, int totalSegments, IReadOnlyDictionary<string, DynamoValue>? exclusiveStartKey, IReadOnlyList<string>? projection, CancellationToken cancellationToken)
    {
        var request = new ScanRequest
        {
            TableName = Table.RequestName,
            Segment = segment,
            TotalSegments = totalSegments,
            ConsistentRead = true,
            ExclusiveStartKey = exclusiveStartKey is null ? null : AttributeValues.ToSdk(exclusiveStartKey),
        };
        if (projection is not null)
        {
            (request.ProjectionExpression, request.ExpressionAttributeNames) = Projection(projection);
        }

        ScanResponse response;
        try
        {
            response = await client.ScanAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw Classify(e, "Scan");
        }

        var items = (response.Items ?? []).Select(IReadOnlyDictionary<string, DynamoValue> (item) => AttributeValues.FromSdk(item)).ToList();
        var last = response.LastEvaluatedKey is { Count: > 0 } next ? AttributeValues.FromSdk(next) : null;
        return new ScanPage(items, last);
    }

    public async Task<BatchGetResult> BatchGetAsync(IReadOnlyList<ItemKey> keys, IReadOnlyList<string>? projection, CancellationToken cancellationToken)
    {
        var request = new KeysAndAttributes
        {
            Keys = keys.Select(key => AttributeValues.ToSdk(key.Attributes)).ToList(),
            ConsistentRead = true,
        };
        if (projection is not null)
        {
            (request.ProjectionExpression, request.ExpressionAttributeNames) = Projection(projection);
        }

        BatchGetItemResponse response;
        try
        {
            response = await client.BatchGetItemAsync(new BatchGetItemRequest
            {
                RequestItems = new Dictionary<string, KeysAndAttributes>(StringComparer.Ordinal) { [Table.RequestName] = request },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw Classify(e, "BatchGetItem");
        }

        // The request names one table, so everything in the answer is ours, whatever spelling of the
        // table (name or ARN) the service keys it by: a key overlooked here would count as absent.
        var items = (response.Responses ?? []).Values
            .SelectMany(found => found ?? [])
            .Select(IReadOnlyDictionary<string, DynamoValue> (item) => AttributeValues.FromSdk(item))
            .ToList();
        var unprocessed = (response.UnprocessedKeys ?? []).Values
            .SelectMany(left => left?.Keys ?? [])
            .Select(key => new ItemKey(AttributeValues.FromSdk(key)))
            .ToList();
        return new BatchGetResult(items, unprocessed);
    }

    public async Task<IReadOnlyDictionary<string, DynamoValue>?> GetAsync(ItemKey key, CancellationToken cancellationToken)
    {
        GetItemResponse response;
        try
        {
            response = await client.GetItemAsync(new GetItemRequest
            {
                TableName = Table.RequestName,
                Key = AttributeValues.ToSdk(key.Attributes),
                ConsistentRead = true,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw Classify(e, "GetItem");
        }

        return response.Item is { Count: > 0 } item ? AttributeValues.FromSdk(item) : null;
    }

    /// <summary>Attribute names go through placeholders, so reserved words (<c>name</c>, <c>date</c>…) work as keys.</summary>
    private static (string Expression, Dictionary<string, string> Names) Projection(IReadOnlyList<string> attributes) =>
        (string.Join(", ", attributes.Select((_, i) => $"#k{i}")),
         attributes.Select((name, i) => (name, i)).ToDictionary(pair => $"#k{pair.i}", pair => pair.name, StringComparer.Ordinal));

    /// <summary>Throttling, 5xx and dropped connections are worth another try; the rest (access denied, a table deleted meanwhile) are not.</summary>
    private TableReadException Classify(Exception e, string operation)
    {
        if (e is ResourceNotFoundException)
        {
            return new TableReadException($"{operation} on {Table}: the table does not exist (deleted while verify ran?)", retryable: false, e);
        }

        var classified = ErrorClassifier.Classify(e, $"{operation} on {Table}");
        return new TableReadException(classified.Message, classified.Kind == TargetErrorKind.Retryable, e);
    }
}
