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
    /// A role STS refuses for good (a trust policy that does not name the caller, a wrong external
    /// id) is found at start-up, before anything is read: exit 2, naming the role and the target.
    /// (A refusal by the target itself, later, is fatal for its batch: AssumedRoleOnMotoTests.)
    /// </summary>
    [Fact]
    public async Task Replicate_StsDeniesTheRole_ExitsAtStartUpNamingRoleAndTarget_AndReadsNothing()
    {
        var role = RoleAccount.NewRole();
        var source = await moto.CreateTableAsync(SourceRegion, "src", stream: true);
        var target = $"arn:aws:dynamodb:{TargetRegion}:{RoleAccount.Id}:table/users";
        _proxy.Answer = request => request.Operation == "AssumeRole" ? RecordingProxy.StsAccessDenied(role.RoleArn) : null;

        var (code, output) = await RunAsync(["replicate", "--source", $"{SourceRegion}:{source}", "--target", target, "--target-role", role.RoleArn, "--checkpoint", _checkpoint]);

        Assert.True(code == 2, $"replicate exited {code}:\n{output}");
        // The terminal width wraps the message where it likes.
        Assert.Contains($"--target-role: target {target}: assuming role {role.RoleArn}", System.Text.RegularExpressions.Regex.Replace(output, @"\s+", " "), StringComparison.Ordinal);
        Assert.DoesNotContain(_proxy.Log, request => request.Operation is "GetRecords" or "BatchWriteItem");
    }
}
