using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Amazon;
using Amazon.Runtime;
using Replicator.Aws.Http;
using Replicator.Parsing;
using Replicator.Streams;

namespace Replicator.Aws.Streams;

/// <summary>
/// A DynamoDB Streams client over the service's JSON protocol, signed with SigV4 (service name
/// <c>dynamodb</c>). The AWS SDK's package for this is not available here; the SDK's credential
/// chain still is, so profiles, environment variables, session tokens and assumed roles all work.
/// It does not retry: the poller does, and knows what each error means. A request refused for its
/// signing time (this machine's clock is off) is a retryable error, and teaches the client the
/// server's time: later requests, the retry too, are signed with the clock corrected.
/// </summary>
public sealed class DynamoDbStreamsClient : IStreamsApi, IDisposable
{
    private readonly SignedJsonClient _client;

    public DynamoDbStreamsClient(string region, AWSCredentials credentials, Uri endpoint, TimeProvider? time = null, HttpClient? http = null) =>
        _client = new SignedJsonClient(
            region,
            credentials,
            endpoint,
            "DynamoDBStreams_20120810.",
            "dynamodb",
            time ?? TimeProvider.System,
            http ?? NewHttpClient(),
            ownsHttp: http is null);

    /// <summary>
    /// Its own pool, of at most as many connections as the poller has reads in flight: the poller
    /// bounds those (<see cref="ReplicationOptions.DefaultPollerMaxConcurrentReads"/>), and the pool
    /// holds to it even for a caller that does not.
    /// </summary>
    private static HttpClient NewHttpClient() => new(new SocketsHttpHandler { MaxConnectionsPerServer = ReplicationOptions.DefaultPollerMaxConcurrentReads, UseCookies = false })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    public string Region => _client.Region;

    public Uri Endpoint => _client.Endpoint;

    /// <summary>What is added to the local clock to sign: the offset to the server's clock learnt from a refusal (zero until then).</summary>
    public TimeSpan ClockOffset => _client.ClockOffset;

    /// <summary>
    /// The regional endpoint on AWS: <c>streams.dynamodb.REGION.</c> and the DNS suffix of the region's
    /// partition, as the SDK's endpoints data has it (<c>amazonaws.com</c> for aws and aws-us-gov,
    /// <c>amazonaws.com.cn</c> for aws-cn, <c>amazonaws.eu</c> for aws-eusc, …).
    /// </summary>
    public static Uri DefaultEndpoint(string region) =>
        new($"https://streams.dynamodb.{region}.{RegionEndpoint.GetBySystemName(region).PartitionDnsSuffix}/");

    public async Task<IReadOnlyList<StreamSummary>> ListStreamsAsync(string tableName, CancellationToken cancellationToken)
    {
        var streams = new List<StreamSummary>();
        string? start = null;
        do
        {
            var page = await CallAsync(
                "ListStreams",
                new ListStreamsRequest { TableName = tableName, ExclusiveStartStreamArn = start },
                StreamsJsonContext.Default.ListStreamsRequest,
                StreamsJsonContext.Default.ListStreamsResponse,
                cancellationToken).ConfigureAwait(false);
            streams.AddRange((page.Streams ?? []).Select(s => new StreamSummary(s.StreamArn ?? "", s.TableName ?? tableName, s.StreamLabel ?? "")));
            start = page.LastEvaluatedStreamArn;
        }
        while (start is not null);
        return streams;
    }

    public async Task<StreamDescription> DescribeStreamAsync(string streamArn, CancellationToken cancellationToken)
    {
        var shards = new List<StreamShard>();
        string? start = null;
        StreamDescriptionEntry description;
        do
        {
            var page = await CallAsync(
                "DescribeStream",
                new DescribeStreamRequest { StreamArn = streamArn, ExclusiveStartShardId = start },
                StreamsJsonContext.Default.DescribeStreamRequest,
                StreamsJsonContext.Default.DescribeStreamResponse,
                cancellationToken).ConfigureAwait(false);
            description = page.StreamDescription ?? throw new StreamsException(StreamsErrorKind.Fatal, "DescribeStream answered without a StreamDescription");
            shards.AddRange((description.Shards ?? []).Select(shard => new StreamShard(
                shard.ShardId ?? "",
                shard.ParentShardId,
                shard.SequenceNumberRange?.StartingSequenceNumber,
                shard.SequenceNumberRange?.EndingSequenceNumber)));
            start = description.LastEvaluatedShardId;
        }
        while (start is not null);
        return new StreamDescription(description.StreamArn ?? streamArn, description.TableName ?? "", description.StreamStatus ?? "", description.StreamViewType, shards);
    }

    public async Task<string> GetShardIteratorAsync(string streamArn, string shardId, ShardIteratorType type, string? sequenceNumber, CancellationToken cancellationToken)
    {
        var response = await CallAsync(
            "GetShardIterator",
            new GetShardIteratorRequest
            {
                StreamArn = streamArn,
                ShardId = shardId,
                ShardIteratorType = type switch
                {
                    ShardIteratorType.TrimHorizon => "TRIM_HORIZON",
                    ShardIteratorType.Latest => "LATEST",
                    ShardIteratorType.AtSequenceNumber => "AT_SEQUENCE_NUMBER",
                    _ => "AFTER_SEQUENCE_NUMBER",
                },
                SequenceNumber = sequenceNumber,
            },
            StreamsJsonContext.Default.GetShardIteratorRequest,
            StreamsJsonContext.Default.GetShardIteratorResponse,
            cancellationToken).ConfigureAwait(false);
        return response.ShardIterator ?? throw new StreamsException(StreamsErrorKind.Fatal, $"GetShardIterator answered without an iterator for {shardId}");
    }

    public async Task<RecordsPage> GetRecordsAsync(string shardIterator, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new GetRecordsRequest { ShardIterator = shardIterator, Limit = ReplicationOptions.MaxRecordsPerPage }, StreamsJsonContext.Default.GetRecordsRequest);
        var response = await SendAsync("GetRecords", body, cancellationToken).ConfigureAwait(false);
        try
        {
            // One pass reads the page's records and its next iterator; the records' images stay slices of the page.
            var page = StreamEventParser.Parse(response);
            return new RecordsPage(page, page.NextShardIterator);
        }
        catch (Exception e) when (e is JsonException or MalformedEventException)
        {
            throw new StreamsException(StreamsErrorKind.Retryable, $"GetRecords answered with a body that is not a GetRecords response: {e.Message}", e);
        }
    }

    private async Task<TResponse> CallAsync<TRequest, TResponse>(string operation, TRequest request, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
    {
        var response = await SendAsync(operation, JsonSerializer.SerializeToUtf8Bytes(request, requestType), cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize(response.Span, responseType) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new StreamsException(StreamsErrorKind.Retryable, $"{operation} answered with a body that is not JSON of the expected shape: {e.Message}", e);
        }
    }

    /// <summary>Signs and sends one call; returns the body of a 200 answer, or throws a classified <see cref="StreamsException"/>.</summary>
    private async Task<ReadOnlyMemory<byte>> SendAsync(string operation, byte[] body, CancellationToken cancellationToken) =>
        await _client.SendAsync(operation, body, cancellationToken).ConfigureAwait(false) switch
        {
            JsonAnswer.Ok ok => ok.Body,
            JsonAnswer.Error error => throw new StreamsException(Kind(error), $"{operation}: {error.Code ?? $"HTTP {(int)error.Status}"}: {error.Message}"),
            JsonAnswer.ClockCorrected corrected => throw new StreamsException(StreamsErrorKind.Retryable, corrected.Describe(operation)),
            JsonAnswer.Unreachable unreachable => throw new StreamsException(StreamsErrorKind.Retryable, $"{operation} to {Endpoint} failed: {unreachable.Exception.Message}", unreachable.Exception),
            JsonAnswer.NoCredentials none => throw new StreamsException(StreamsErrorKind.Fatal, $"No AWS credentials for DynamoDB Streams: {none.Exception.Message}", none.Exception),
            var other => throw new InvalidOperationException($"an answer of an unknown kind: {other}"),
        };

    private static StreamsErrorKind Kind(JsonAnswer.Error error) => error.Code switch
    {
        "ExpiredIteratorException" => StreamsErrorKind.ExpiredIterator,
        "TrimmedDataAccessException" => StreamsErrorKind.TrimmedData,
        "ResourceNotFoundException" => StreamsErrorKind.NotFound,
        "LimitExceededException" or "ThrottlingException" or "ProvisionedThroughputExceededException" or "RequestLimitExceeded" or "InternalServerError" => StreamsErrorKind.Retryable,
        _ when (int)error.Status >= 500 => StreamsErrorKind.Retryable,
        _ => StreamsErrorKind.Fatal,
    };

    public void Dispose() => _client.Dispose();
}
