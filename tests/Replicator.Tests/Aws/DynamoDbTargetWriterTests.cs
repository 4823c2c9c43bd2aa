using System.Text.Json.Nodes;
using Amazon.Runtime;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.Planning;
using Replicator.Tests.Fixtures;
using Replicator.Tests.Lambda;

namespace Replicator.Tests.Aws;

/// <summary>
/// The writer through the real SDK client against a recording stand-in for DynamoDB on loopback:
/// what goes on the wire, and how answers map back to actions.
/// </summary>
public sealed class DynamoDbTargetWriterTests
{
    private const string Arn = "arn:aws:dynamodb:us-west-2:210987654321:table/users";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static readonly Dictionary<string, string> JsonHeaders = new() { ["Content-Type"] = "application/x-amz-json-1.0" };

    private static ScriptedAnswer Ok(string body = "{}") => new(200, body, JsonHeaders);

    private static IReadOnlyList<WriteAction> Actions(params string[] keys) =>
        Planner.Plan(Events.Parse(Events.Event([.. keys.Select((key, i) => Events.Record("INSERT", key, 100 + i, 1))])), TtlDeletes.Replicate).Actions;

    private static DynamoDbTargetWriter Writer(AwsClients clients, string target) =>
        new(clients.DynamoDb("us-west-2"), TargetTables.Parse(target));

    private static AwsClients Clients(RuntimeApiRecorder dynamoDb) => new(new BasicAWSCredentials("testing", "testing"), $"http://{dynamoDb.Address}");

    private static string Operation(RecordedRequest request) => request.Header("X-Amz-Target")!.Split('.')[^1];

    [Theory]
    [InlineData(Arn, Arn)]
    [InlineData("us-west-2:users", "users")]
    public async Task WriteBatch_NamesTheTableAsGiven_ByArnWhenThereIsOne(string target, string requestName)
    {
        await using var dynamoDb = new RuntimeApiRecorder(_ => Ok("""{"UnprocessedItems":{}}"""));
        using var clients = Clients(dynamoDb);

        var outcome = await Writer(clients, target).WriteBatchAsync(Actions("a", "b"), Cancellation);

        Assert.Empty(Assert.IsType<BatchOutcome.Written>(outcome).Unprocessed);
        var request = Assert.Single(dynamoDb.Requests);
        Assert.Equal("BatchWriteItem", Operation(request));
        var tables = JsonNode.Parse(request.Text)!["RequestItems"]!.AsObject();
        Assert.Equal([requestName], tables.Select(table => table.Key));
        Assert.Equal(2, tables[requestName]!.AsArray().Count);
    }

    [Fact]
    public async Task WriteOne_TargetGivenAsArn_PutsAndDeletesByArn()
    {
        await using var dynamoDb = new RuntimeApiRecorder(_ => Ok());
        using var clients = Clients(dynamoDb);
        var writer = Writer(clients, Arn);
        var put = Actions("a")[0];
        var delete = Planner.Plan(Events.Parse(Events.Event(Events.Record("REMOVE", "b", 200))), TtlDeletes.Replicate).Actions[0];

        Assert.IsType<WriteOutcome.Written>(await writer.WriteOneAsync(put, Cancellation));
        Assert.IsType<WriteOutcome.Written>(await writer.WriteOneAsync(delete, Cancellation));

        Assert.Equal(["PutItem", "DeleteItem"], dynamoDb.Requests.Select(Operation));
        Assert.All(dynamoDb.Requests, request => Assert.Equal(Arn, (string?)JsonNode.Parse(request.Text)!["TableName"]));
    }

    /// <summary>Whichever way the answer names the one table the request wrote, its unprocessed items must not be overlooked.</summary>
    [Theory]
    [InlineData(Arn)]
    [InlineData("users")]
    public async Task WriteBatch_UnprocessedItems_AreReturnedAsTheirActions(string keyedBy)
    {
        await using var dynamoDb = new RuntimeApiRecorder(_ => Ok(
            $$$$$"""{"UnprocessedItems":{"{{{{{keyedBy}}}}}":[{"PutRequest":{"Item":{"pk":{"S":"b"},"v":{"N":"1"}}}}]}}"""));
        using var clients = Clients(dynamoDb);
        var actions = Actions("a", "b", "c");

        var outcome = await Writer(clients, Arn).WriteBatchAsync(actions, Cancellation);

        Assert.Equal([actions[1]], Assert.IsType<BatchOutcome.Written>(outcome).Unprocessed);
    }

    [Fact]
    public async Task WriteBatch_UnprocessedItemThatWasNotSent_IsRetryable_NotACrash()
    {
        await using var dynamoDb = new RuntimeApiRecorder(_ => Ok(
            """{"UnprocessedItems":{"users":[{"PutRequest":{"Item":{"pk":{"S":"zzz"},"v":{"N":"1"}}}}]}}"""));
        using var clients = Clients(dynamoDb);

        var outcome = await Writer(clients, "us-west-2:users").WriteBatchAsync(Actions("a", "b"), Cancellation);

        var refusal = Assert.IsType<BatchOutcome.Failed>(outcome).Refusal;
        Assert.Equal(TargetErrorKind.Retryable, refusal.Kind);
        Assert.Contains("zzz", refusal.Message, StringComparison.Ordinal);
    }
}
