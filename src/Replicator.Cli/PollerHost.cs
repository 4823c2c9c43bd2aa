using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.Streams;

namespace Replicator.Cli;

/// <summary>What `replicator replicate` (and the demo) run: a poller from a source table's stream to its targets.</summary>
internal sealed record ReplicationRequest(
    TargetTable Source,
    IReadOnlyList<TargetTable> Targets,
    string CheckpointPath,
    StartPosition StartAt = StartPosition.TrimHorizon,
    TimeSpan? StopAfterIdle = null,
    string? DeadLetterQueueUrl = null,
    TtlDeletes TtlDeletes = TtlDeletes.Replicate,
    TimeSpan? IdleDelay = null,
    MultiActive.MultiActiveSettings? MultiActive = null,
    double RetentionWarning = ReplicationOptions.DefaultRetentionWarning,
    Filtering.ItemSelection? Selection = null,
    int? BackfillSegments = null);

/// <summary>Builds a stream poller from a request, as the Lambda host builds its function: clients once, the same engine.</summary>
internal static class PollerHost
{
    /// <summary>The current stream of the table <paramref name="source"/> names, or a usage error saying how to enable one.</summary>
    public static async Task<string> StreamArnAsync(AwsClients clients, TargetTable source, CancellationToken cancellationToken, bool bothImages = false)
    {
        // By its ARN when given one: a name alone would find a table of that name in the caller's account.
        var table = await Tables.DescribeAsync(clients, source, "--source", cancellationToken).ConfigureAwait(false);

        if (table.StreamSpecification is not { StreamEnabled: true } stream || table.LatestStreamArn is null)
        {
            throw new UsageException(
                $"--source: table {source} has no stream enabled. Enable one with view type NEW_AND_OLD_IMAGES, e.g. " +
                $"aws dynamodb update-table --region {source.Region} --table-name {source.TableName} --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES");
        }

        if (stream.StreamViewType == StreamViewType.KEYS_ONLY || stream.StreamViewType == StreamViewType.OLD_IMAGE)
        {
            throw new UsageException($"--source: the stream of {source} has view type {stream.StreamViewType}, which carries no new images, so changes cannot be replicated. Use NEW_AND_OLD_IMAGES (or NEW_IMAGE).");
        }

        if (bothImages && stream.StreamViewType != StreamViewType.NEW_AND_OLD_IMAGES)
        {
            throw new UsageException($"--source: the stream of {source} has view type {stream.StreamViewType}; multi-active mode needs NEW_AND_OLD_IMAGES, to tell the replicator's own writes from the application's. Change it (a new stream) with update-table --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES after disabling the old one.");
        }

        return table.LatestStreamArn;
    }

    /// <param name="writers">One-way only: the targets' writers, if not the plain ones (replicate --backfill's mark its deletes while the copy runs).</param>
    public static StreamPoller Create(AwsClients clients, ReplicationRequest request, string streamArn, Action<string> log, IReadOnlyList<ITargetWriter>? writers = null)
    {
        var targets = writers ?? request.Targets.Select(clients.Writer).ToList();
        var deadLetters = request.DeadLetterQueueUrl is { } url
            ? new SqsDeadLetterSink(clients.Sqs(AwsClients.RegionOfQueue(url) ?? request.Source.Region), url)
            : null;
        var replication = new ReplicationSettings { TtlDeletes = request.TtlDeletes };
        ReplicationEngine engine;
        if (request.MultiActive is { } multiActive)
        {
            var (local, peers) = MultiActiveOptions.Replicas(clients, request.Source, request.Targets);
            engine = new ReplicationEngine(new MultiActive.MultiActiveApplier(local, peers, multiActive, replication, TimeProvider.System, new Random()), deadLetters, replication, TimeProvider.System);
        }
        else
        {
            engine = new ReplicationEngine(targets, deadLetters, replication, TimeProvider.System, new Random(), request.Selection);
        }

        var settings = new PollerSettings { StreamArn = streamArn, StartAt = request.StartAt, StopAfterIdle = request.StopAfterIdle, RetentionWarning = request.RetentionWarning };
        return new StreamPoller(
            clients.Streams(request.Source.Region),
            engine,
            new FileCheckpointStore(request.CheckpointPath),
            request.IdleDelay is { } idleDelay ? settings with { IdleDelay = idleDelay } : settings,
            TimeProvider.System,
            new Random(),
            log);
    }
}
