using Amazon.DynamoDBv2.Model;
using Replicator.Applying;
using Replicator.Aws;
using Replicator.Aws.Credentials;
using Replicator.IntegrationTests.Support;
using Replicator.Model;
using Replicator.Planning;

namespace Replicator.IntegrationTests.CrossAccount;

/// <summary>
/// A target in another account, written through a role assumed with moto's STS. moto gives an
/// assumed role's access key the role's account, so a table created and written with those
/// credentials is in that account, out of reach of the caller's own (which moto files under
/// 123456789012). moto checks no signature and no policy: the proxy shows which key signed what.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class AssumedRoleOnMotoTests(MotoServer moto) : IAsyncLifetime
{
    private const string Region = "us-west-2";
    private const string TargetAccount = RoleAccount.Id;
    private static readonly string CallerKey = MotoServer.Credentials.GetCredentials().AccessKey;

    private readonly AssumedRole _writer = RoleAccount.NewRole(externalId: "ext-1");
    private RecordingProxy _proxy = null!;

    public ValueTask InitializeAsync()
    {
        _proxy = new RecordingProxy(moto.Endpoint);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _proxy.DisposeAsync();

    /// <summary>Clients through the proxy that reach <paramref name="target"/> with the writer role.</summary>
    private AwsClients ClientsFor(TargetTable target) =>
        new(MotoServer.Credentials, _proxy.Endpoint, access: RoleAccount.Access(target, _writer));

    private Task<TargetTable> TargetAsync() => RoleAccount.CreateTableAsync(moto, Region, _writer);

    private static WriteAction Put(string pk) =>
        WriteAction.Copy(new ItemKey(StreamEvents.Key(pk)), StreamEvents.Item(pk, 1));

    [Fact]
    public async Task Writer_TargetBehindRole_IsSignedWithTheAssumedKeyNotTheCallers()
    {
        var target = await TargetAsync();
        using var clients = ClientsFor(target);

        var outcome = await clients.Writer(target).WriteBatchAsync([Put("a"), Put("b")], TestContext.Current.CancellationToken);

        Assert.IsType<BatchOutcome.Written>(outcome);
        var assume = Assert.Single(_proxy.Log, request => request.Operation == "AssumeRole");
        Assert.Equal(CallerKey, assume.AccessKeyId);
        var write = Assert.Single(_proxy.Log, request => request.Operation == "BatchWriteItem");
        Assert.NotEqual(CallerKey, write.AccessKeyId);
        Assert.StartsWith("ASIA", write.AccessKeyId, StringComparison.Ordinal);

        // The items are in the role's account; the caller's own account has no such table.
        var reader = clients.TableReader(target);
        Assert.NotNull(await reader.GetAsync(new ItemKey(StreamEvents.Key("a")), TestContext.Current.CancellationToken));
        Assert.NotNull(await reader.GetAsync(new ItemKey(StreamEvents.Key("b")), TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => moto.Clients.DynamoDb(Region).DescribeTableAsync(target.TableName, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Writer_ManyBatches_AssumesTheRoleOnce()
    {
        var target = await TargetAsync();
        using var clients = ClientsFor(target);
        var writer = clients.Writer(target);

        for (var i = 0; i < 5; i++)
        {
            Assert.IsType<BatchOutcome.Written>(await writer.WriteBatchAsync([Put($"k{i}")], TestContext.Current.CancellationToken));
        }

        Assert.Single(_proxy.Log, request => request.Operation == "AssumeRole");
        Assert.Equal(5, _proxy.Log.Count(request => request.Operation == "BatchWriteItem"));
    }

    [Fact]
    public async Task Writer_StsDeniesTheRole_FailsFatallyNamingRoleAndTarget()
    {
        var target = new TargetTable(Region, "users", $"arn:aws:dynamodb:{Region}:{TargetAccount}:table/users");
        _proxy.Answer = request => request.Operation == "AssumeRole" ? RecordingProxy.StsAccessDenied(_writer.RoleArn) : null;
        using var clients = ClientsFor(target);

        var outcome = await clients.Writer(target).WriteBatchAsync([Put("a")], TestContext.Current.CancellationToken);

        var failed = Assert.IsType<BatchOutcome.Failed>(outcome);
        Assert.Equal(TargetErrorKind.Fatal, failed.Refusal.Kind);
        Assert.Contains(_writer.RoleArn, failed.Refusal.Message, StringComparison.Ordinal);
        Assert.Contains(target.ToString(), failed.Refusal.Message, StringComparison.Ordinal);
        Assert.Contains("AccessDenied", failed.Refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_proxy.Log, request => request.Operation == "BatchWriteItem");
    }

    [Fact]
    public async Task Writer_TargetDeniesTheAssumedRole_FailsFatallyNamingTheRole()
    {
        var target = await TargetAsync();
        _proxy.Answer = request => request.Operation == "BatchWriteItem" && request.AccessKeyId != CallerKey
            ? RecordingProxy.DynamoDbAccessDenied($"arn:aws:sts::{TargetAccount}:assumed-role/writer/replicator-test")
            : null;
        using var clients = ClientsFor(target);

        var outcome = await clients.Writer(target).WriteBatchAsync([Put("a")], TestContext.Current.CancellationToken);

        var failed = Assert.IsType<BatchOutcome.Failed>(outcome);
        Assert.Equal(TargetErrorKind.Fatal, failed.Refusal.Kind);
        Assert.Contains($"role {_writer.RoleArn}", failed.Refusal.Message, StringComparison.Ordinal);
        Assert.Contains(target.ToString(), failed.Refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writer_TargetWithoutRole_IsSignedWithTheCallersKey()
    {
        var name = await moto.CreateTableAsync(Region, "own");
        var own = new TargetTable(Region, name);
        using var clients = ClientsFor(new TargetTable(Region, "someone-elses"));

        Assert.IsType<BatchOutcome.Written>(await clients.Writer(own).WriteBatchAsync([Put("a")], TestContext.Current.CancellationToken));

        Assert.DoesNotContain(_proxy.Log, request => request.Operation == "AssumeRole");
        Assert.Equal(CallerKey, Assert.Single(_proxy.Log).AccessKeyId);
    }
}
