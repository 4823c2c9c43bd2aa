using System.Text.Json;
using Replicator.Applying;
using Replicator.Aws.Http;
using Replicator.Model;
using Replicator.MultiActive;

namespace Replicator.Aws.MultiActive;

/// <summary>
/// One region's tables on DynamoDB over its JSON protocol, without the SDK's marshaller: what
/// <see cref="DynamoDbRegionTables"/> does, call for call (the same operations, expressions,
/// return values and refusals), with bodies written into a pooled buffer (<see cref="RegionBodies"/>,
/// a <see cref="RawImage"/> item as its bytes) and signed by the region's <see cref="SignedJsonClient"/>,
/// the one the one-way writer uses. Items answered (after a <c>SET</c>, on a failed condition, read)
/// are raw images over the answer (<see cref="Answers"/>). No retries, nothing the service
/// answers thrown; an answer that cannot be read is a retryable refusal, as the SDK's failure to
/// read one is. Made by <see cref="AwsClients.RegionTables"/>.
/// <para>
/// The one difference on the wire: no <c>ClientRequestToken</c> on TransactWriteItems. The SDK gives
/// each call a new one, which only its own retries (off) would send again, so it makes no call
/// idempotent that is not already.
/// </para>
/// </summary>
public sealed class DynamoDbHttpRegionTables : IRegionTables
{
    private const string ConditionFailed = "ConditionalCheckFailedException";
    private const string TransactionCanceled = "TransactionCanceledException";

    private readonly SignedJsonClient _client;

    internal DynamoDbHttpRegionTables(SignedJsonClient client) => _client = client;

    public string Region => _client.Region;

    public async Task<TableWriteOutcome> WriteAsync(TableWrite write, CancellationToken cancellationToken)
    {
        var name = RegionBodies.Operation(write);
        var operation = $"{name} on {Region}:{write.Table}";
        if (write is TableWrite.Check)
        {
            throw new ArgumentException($"{operation}: a {write.GetType().Name} is made in a transaction only", nameof(write));
        }

        var answer = await _client.SendAsync(name, RegionBodies.Write(write), cancellationToken).ConfigureAwait(false);
        try
        {
            return answer switch
            {
                JsonAnswer.Ok ok when write is TableWrite.Set => new TableWriteOutcome.Written(Answers.Item(ok.Body, "Attributes")),
                JsonAnswer.Ok ok => Answered(ok, new TableWriteOutcome.Written(null)),
                JsonAnswer.Error { Code: ConditionFailed } failed => new TableWriteOutcome.ConditionFailed(Answers.Item(failed.Body, "Item")),
                _ => new TableWriteOutcome.Failed(ErrorClassifier.Classify(answer, operation)),
            };
        }
        catch (JsonException e)
        {
            return new TableWriteOutcome.Failed(Unreadable(operation, e));
        }
    }

    public async Task<TransactionOutcome> TransactAsync(IReadOnlyList<TableWrite> writes, CancellationToken cancellationToken)
    {
        if (writes.Count == 0)
        {
            return new TransactionOutcome.Written();
        }

        var operation = $"TransactWriteItems on {Region}:{string.Join(",", writes.Select(write => write.Table).Distinct(StringComparer.Ordinal))}";
        var answer = await _client.SendAsync("TransactWriteItems", RegionBodies.TransactWriteItems(writes), cancellationToken).ConfigureAwait(false);
        try
        {
            return answer switch
            {
                JsonAnswer.Ok ok => Answered(ok, new TransactionOutcome.Written()),
                JsonAnswer.Error { Code: TransactionCanceled } cancelled => TransactionCancellation.Outcome(Answers.CancellationCodes(cancelled.Body), cancelled.Message, operation),
                _ => new TransactionOutcome.Failed(ErrorClassifier.Classify(answer, operation)),
            };
        }
        catch (JsonException e)
        {
            return new TransactionOutcome.Failed(Unreadable(operation, e));
        }
    }

    /// <inheritdoc cref="DynamoDbRegionTables.ReadAsync"/>
    public async Task<TableReadOutcome> ReadAsync(string table, IReadOnlyList<ItemKey> keys, CancellationToken cancellationToken)
    {
        var operation = $"BatchGetItem on {Region}:{table}";
        var items = new Dictionary<ItemKey, IReadOnlyDictionary<string, DynamoValue>>();
        var keyNames = keys.Count == 0 ? [] : keys[0].Attributes.Keys.ToList();
        foreach (var chunk in keys.Distinct().Chunk(ReplicationOptions.MaxBatchGetKeys))
        {
            IReadOnlyList<IReadOnlyDictionary<string, DynamoValue>> pending = [.. chunk.Select(key => key.Attributes)];
            while (pending.Count > 0)
            {
                var answer = await _client.SendAsync("BatchGetItem", RegionBodies.BatchGetItem(table, pending), cancellationToken).ConfigureAwait(false);
                if (answer is not JsonAnswer.Ok ok)
                {
                    return new TableReadOutcome.Failed(ErrorClassifier.Classify(answer, operation));
                }

                List<RawImage> found, left;
                try
                {
                    (found, left) = Answers.BatchGet(ok.Body);
                    foreach (var item in found)
                    {
                        if (!keyNames.All(item.ContainsKey))
                        {
                            throw new JsonException($"an item without the key attributes {string.Join(", ", keyNames)}");
                        }

                        items[new ItemKey(keyNames.ToDictionary(name => name, name => item[name], StringComparer.Ordinal))] = item;
                    }
                }
                catch (JsonException e)
                {
                    return new TableReadOutcome.Failed(Unreadable(operation, e));
                }

                if (found.Count == 0 && left.Count >= pending.Count)
                {
                    return new TableReadOutcome.Failed(new Refusal(TargetErrorKind.Retryable, $"{operation}: the service left all {left.Count} key(s) unprocessed"));
                }

                pending = left;
            }
        }

        return new TableReadOutcome.Read(items);
    }

    /// <summary><paramref name="outcome"/>, once the 200 is seen to be an answer (<see cref="Answers.Object"/>): there is nothing else in it to read.</summary>
    private static T Answered<T>(JsonAnswer.Ok ok, T outcome)
    {
        Answers.Object(ok.Body);
        return outcome;
    }

    /// <summary>An answer that is not what the operation answers: another try may be read, as when the SDK fails to read one.</summary>
    private static Refusal Unreadable(string operation, JsonException e) =>
        new(TargetErrorKind.Retryable, $"{operation}: the answer cannot be read ({e.Message})");
}
