using System.Text.Json;
using Replicator.Applying;
using Replicator.Aws.Http;
using Replicator.Model;
using Replicator.Verification;

namespace Replicator.Aws.Verification;

/// <summary>
/// Reads one DynamoDB table with its scans over DynamoDB's JSON protocol (<see cref="SignedJsonClient"/>),
/// the hot read of a backfill: a scanned item comes back as its bytes in the answer
/// (<see cref="ScanAnswer"/>), so a copy sends them into BatchWriteItem as they are and never builds
/// the item's values; so do verify's BatchGetItem lookups. It asks what <see cref="DynamoDbTableReader"/>
/// asks and classifies errors as it does; the reads that are not hot (DescribeTable, GetItem) are that reader's.
/// Made by <see cref="AwsClients.TableReader"/>.
/// </summary>
public sealed class DynamoDbHttpTableReader : ITableReader
{
    private readonly SignedJsonClient _client;
    private readonly DynamoDbTableReader _sdk;

    internal DynamoDbHttpTableReader(SignedJsonClient client, DynamoDbTableReader sdk)
    {
        _client = client;
        _sdk = sdk;
    }

    public TargetTable Table => _sdk.Table;

    /// <summary>Ask each Scan and BatchGetItem for the units it consumed and report them (for a read budget).</summary>
    public bool ReportCapacity { get; init; }

    public Task<TableShape?> DescribeAsync(CancellationToken cancellationToken) => _sdk.DescribeAsync(cancellationToken);

    public async Task<ScanPage> ScanAsync(int segment, int totalSegments, IReadOnlyDictionary<string, DynamoValue>? exclusiveStartKey, IReadOnlyList<string>? projection, CancellationToken cancellationToken)
    {
        var operation = $"Scan on {Table}";
        // A page of up to 1 MB, in a rented array: the page's items are slices of it until the page is disposed of.
        var answer = await _client.SendAsync("Scan", ScanBodies.Scan(Table.RequestName, segment, totalSegments, exclusiveStartKey, projection, ReportCapacity), cancellationToken, rentAnswer: true).ConfigureAwait(false);
        if (answer is not JsonAnswer.Ok ok)
        {
            throw Classify(answer, operation);
        }

        try
        {
            return ScanAnswer.Read(ok.Body) with { Lease = ok.Lease, ConsumedUnits = ReportCapacity ? ConsumedCapacity.Read(ok.Body.Span) : null };
        }
        catch (JsonException e)
        {
            ok.Lease?.Dispose();
            throw new TableReadException($"{operation}: the answer is not a Scan response ({e.Message})", retryable: true, e);
        }
    }

    public async Task<BatchGetResult> BatchGetAsync(IReadOnlyList<ItemKey> keys, IReadOnlyList<string>? projection, CancellationToken cancellationToken)
    {
        var operation = $"BatchGetItem on {Table}";
        var answer = await _client.SendAsync("BatchGetItem", ScanBodies.BatchGetItem(Table.RequestName, keys, projection, ReportCapacity), cancellationToken).ConfigureAwait(false);
        if (answer is not JsonAnswer.Ok ok)
        {
            throw Classify(answer, operation);
        }

        try
        {
            // The request names one table, so everything in the answer is ours, whatever spelling of the table (name or ARN) it is filed under.
            var (found, left) = Answers.BatchGet(ok.Body);
            return new BatchGetResult(found, [.. left.Select(key => new ItemKey(key))]) { ConsumedUnits = ReportCapacity ? ConsumedCapacity.Read(ok.Body.Span) : null };
        }
        catch (JsonException e)
        {
            throw new TableReadException($"{operation}: the answer is not a BatchGetItem response ({e.Message})", retryable: true, e);
        }
    }

    public Task<IReadOnlyDictionary<string, DynamoValue>?> GetAsync(ItemKey key, CancellationToken cancellationToken) => _sdk.GetAsync(key, cancellationToken);

    /// <summary>As <see cref="DynamoDbTableReader"/> classifies the SDK's exceptions: a missing table is not worth another try, the rest by <see cref="ErrorClassifier"/>'s rules.</summary>
    private TableReadException Classify(JsonAnswer answer, string operation)
    {
        if (answer is JsonAnswer.Error { Code: "ResourceNotFoundException" })
        {
            return new TableReadException($"{operation}: the table does not exist (deleted while verify ran?)", retryable: false);
        }

        var classified = ErrorClassifier.Classify(answer, operation);
        return new TableReadException(classified.Message, classified.Kind == TargetErrorKind.Retryable, (answer as JsonAnswer.Unreachable)?.Exception ?? (answer as JsonAnswer.NoCredentials)?.Exception);
    }
}
