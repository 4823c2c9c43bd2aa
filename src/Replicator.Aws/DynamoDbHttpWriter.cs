using System.Text.Json;
using Amazon;
using Replicator.Applying;
using Replicator.Aws.Http;
using Replicator.Model;
using Replicator.Planning;

namespace Replicator.Aws;

/// <summary>
/// Writes actions to one DynamoDB table with BatchWriteItem, PutItem and DeleteItem over DynamoDB's
/// JSON protocol, without the SDK's marshaller: a request body is written straight into a pooled
/// buffer, a stream image as the bytes it came in (<see cref="RawImage"/>), and signed with the
/// project's SigV4 signer. It behaves as the SDK writer it replaced did: the table named by
/// <see cref="TargetTable.RequestName"/>, no retries, and every answer an outcome, sorted by
/// <see cref="ErrorClassifier"/>'s rules; a refusal for the signing time corrects the clock and is
/// retryable. Made by <see cref="AwsClients.Writer"/>.
/// </summary>
public sealed class DynamoDbHttpWriter : ITargetWriter
{
    /// <summary>The X-Amz-Target prefix of DynamoDB's operations.</summary>
    internal const string TargetPrefix = "DynamoDB_20120810.";

    private readonly SignedJsonClient _client;

    internal DynamoDbHttpWriter(SignedJsonClient client, TargetTable target)
    {
        _client = client;
        Target = target;
    }

    public TargetTable Target { get; }

    /// <summary>Ask each BatchWriteItem for the units it consumed and report them in its outcome (for a write budget).</summary>
    public bool ReportCapacity { get; init; }

    /// <summary>Where the writes go.</summary>
    internal Uri Endpoint => _client.Endpoint;

    /// <summary>
    /// The regional endpoint on AWS: <c>dynamodb.REGION.</c> and the DNS suffix of the region's
    /// partition, as the SDK's endpoints data has it (<c>amazonaws.com</c>, <c>amazonaws.com.cn</c>, …).
    /// </summary>
    public static Uri DefaultEndpoint(string region) =>
        new($"https://dynamodb.{region}.{RegionEndpoint.GetBySystemName(region).PartitionDnsSuffix}/");

    public async Task<BatchOutcome> WriteBatchAsync(IReadOnlyList<WriteAction> actions, CancellationToken cancellationToken)
    {
        var operation = $"BatchWriteItem on {Target}";
        var answer = await _client.SendAsync("BatchWriteItem", WriteBodies.BatchWriteItem(Target.RequestName, actions, ReportCapacity), cancellationToken).ConfigureAwait(false);
        if (answer is not JsonAnswer.Ok ok)
        {
            return new BatchOutcome.Failed(ErrorClassifier.Classify(answer, operation));
        }

        // The request names one table, so everything left unprocessed is ours, whichever spelling of
        // the table the answer files it under: an entry overlooked here would count as written.
        List<RawImage?> left;
        try
        {
            left = UnprocessedItems.Read(ok.Body);
        }
        catch (JsonException e)
        {
            return BatchOutcome.Refused(TargetErrorKind.Retryable, $"{operation}: the answer is not a BatchWriteItem response ({e.Message}); the whole request is written again");
        }

        var outcome = left.Count > 0 ? Unprocessed(actions, left) : BatchOutcome.AllWritten;
        return ReportCapacity && outcome is BatchOutcome.Written written ? written with { ConsumedUnits = ConsumedCapacity.Read(ok.Body.Span) } : outcome;
    }

    public async Task<WriteOutcome> WriteOneAsync(WriteAction action, CancellationToken cancellationToken)
    {
        var name = action.Kind == WriteKind.Put ? "PutItem" : "DeleteItem";
        var operation = $"{name} on {Target}";
        return await _client.SendAsync(name, WriteBodies.WriteItem(Target.RequestName, action), cancellationToken).ConfigureAwait(false) switch
        {
            JsonAnswer.Ok ok when IsAnswer(ok.Body) => WriteOutcome.Applied,
            JsonAnswer.Ok => WriteOutcome.Refused(TargetErrorKind.Retryable, $"{operation}: a 200 whose body is not a JSON object (a proxy's empty answer, say) does not say the write was made; it is made again"),
            JsonAnswer.Error { Code: "ConditionalCheckFailedException" } failed => new WriteOutcome.ConditionFailed($"{operation}: the condition was not met: {failed.Message}"),
            var refused => new WriteOutcome.Failed(ErrorClassifier.Classify(refused, operation)),
        };
    }

    private static bool IsAnswer(ReadOnlyMemory<byte> body)
    {
        try
        {
            Answers.Object(body);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Maps the unprocessed requests the service returned back to our actions, by key. One that
    /// cannot be mapped makes the whole request retryable: writing the chunk again is harmless.
    /// </summary>
    private BatchOutcome Unprocessed(IReadOnlyList<WriteAction> actions, List<RawImage?> left)
    {
        var byKey = actions.ToDictionary(action => action.Key);
        var keyNames = actions[0].Key.Attributes.Keys.ToList();
        var result = new List<WriteAction>(left.Count);
        foreach (var attributes in left)
        {
            if (attributes is null)
            {
                return Unmapped("an unprocessed request that is neither a put nor a delete");
            }

            ItemKey key;
            try
            {
                if (!keyNames.All(attributes.ContainsKey))
                {
                    return Unmapped($"an unprocessed item without the key attributes {string.Join(", ", keyNames)}");
                }

                key = new ItemKey(keyNames.ToDictionary(name => name, name => attributes[name], StringComparer.Ordinal));
            }
            catch (Exception e) when (e is JsonException or ArgumentException)
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
