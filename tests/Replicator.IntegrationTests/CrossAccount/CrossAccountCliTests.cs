using Amazon.DynamoDBv2.Model;
using Replicator.Aws;
using Replicator.Aws.Verification;
using Replicator.IntegrationTests.Cli;
using Replicator.IntegrationTests.Support;

namespace Replicator.IntegrationTests.CrossAccount;

/// <summary>The replicator process with --target-role, through a proxy that shows which key signed each write.</summary>
[Collection(MotoCollection.Name)]
public sealed class CrossAccountCliTests(MotoServer moto) : IAsyncLifetime
{
    private const string SourceRegion = "us-east-1";
    private const string TargetRegion = "us-west-2";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly string _checkpoint = Path.Combine(Path.GetTempPath(), $"{MotoServer.UniqueName("cp")}.json");
    private RecordingProxy _proxy = null!;

    public ValueTask InitializeAsync()
    {
        _proxy = new RecordingProxy(moto.Endpoint);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        File.Delete(_checkpoint);
        await _proxy.DisposeAsync();
    }

    private Task<(int ExitCode, string Output)> RunAsync(params string[] args) =>
        ReplicatorProcess.RunAsync(moto, Timeout, [.. args, "--endpoint", _proxy.Endpoint]);

    [Fact]
    public async Task ReplicateAndVerify_TargetRole_WriteIntoTheRolesAccountSignedWithItsKey()
    {
        var role = RoleAccount.NewRole(externalId: "ext-cli");
        var source = await moto.CreateTableAsync(SourceRegion, "src", stream: true);
        var target = await RoleAccount.CreateTableAsync(moto, TargetRegion, role);
        for (var i = 0; i < 20; i++)
        {
            await moto.Clients.DynamoDb(SourceRegion).PutItemAsync(new PutItemRequest { TableName = source, Item = AttributeValues.ToSdk(StreamEvents.Item($"k{i}", i)) }, TestContext.Current.CancellationToken);
        }

        string[] targetOptions = ["--target", target.Arn!, "--target-role", role.RoleArn, "--target-external-id", "ext-cli"];
        var (code, output) = await RunAsync(["replicate", "--source", $"{SourceRegion}:{source}", .. targetOptions, "--checkpoint", _checkpoint, "--stop-after-idle", "1"]);
        Assert.True(code == 0, $"replicate exited {code}:\n{output}");

        var (verified, report) = await RunAsync(["verify", "--source", $"{SourceRegion}:{source}", .. targetOptions]);
        Assert.True(verified == 0, $"verify exited {verified}:\n{report}");

        var writes = _proxy.Log.Where(request => request.Operation == "BatchWriteItem").ToList();
        Assert.NotEmpty(writes);
        Assert.All(writes, write => Assert.StartsWith("ASIA", write.AccessKeyId, StringComparison.Ordinal));
        Assert.All(_proxy.Log.Where(request => request.Operation is "GetRecords" or "AssumeRole"), request => Assert.Equal("testing", request.AccessKeyId));

        // Landed in the role's account: the caller's own has no table of that name.
        using var clients = new AwsClients(MotoServer.Credentials, moto.Endpoint, access: RoleAccount.Access(target, role));
        var comparison = await TableComparer.CompareAsync(moto.Clients.DynamoDb(SourceRegion), source, clients.DynamoDb(target), target.TableName, TestContext.Current.CancellationToken);
        Assert.Empty(comparison.Differences);
        Assert.Equal(20, comparison.SourceItems);
    }

    /// <summary>
    /// A fatal refusal is not retried within the batch and never dead-lettered; the poller logs it
    /// and tries the batch again later (as for any access denial: the role may be being fixed), so
    /// nothing is applied and the checkpoint does not move.
    /// </summary>
    [Fact]
    public async Task Replicate_StsDeniesTheRole_LogsTheRefusalNamingRoleAndTarget_AndAppliesNothing()
    {
        var role = RoleAccount.NewRole();
        var source = await moto.CreateTableAsync(SourceRegion, "src", stream: true);
        var target = $"arn:aws:dynamodb:{TargetRegion}:{RoleAccount.Id}:table/users";
        await moto.Clients.DynamoDb(SourceRegion).PutItemAsync(new PutItemRequest { TableName = source, Item = AttributeValues.ToSdk(StreamEvents.Item("k", 1)) }, TestContext.Current.CancellationToken);
        _proxy.Answer = request => request.Operation == "AssumeRole" ? RecordingProxy.StsAccessDenied(role.RoleArn) : null;

        using var replicator = ReplicatorProcess.Start(
            moto,
            ["replicate", "--source", $"{SourceRegion}:{source}", "--target", target, "--target-role", role.RoleArn, "--checkpoint", _checkpoint, "--endpoint", _proxy.Endpoint]);
        var refusal = $"BatchWriteItem on {target}: AccessDenied: assuming role {role.RoleArn}";
        var deadline = DateTime.UtcNow + Timeout;
        while (!replicator.Output.Contains(refusal, StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        replicator.Kill();
        Assert.Contains(refusal, replicator.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(_proxy.Log, request => request.Operation == "BatchWriteItem");
    }
}
