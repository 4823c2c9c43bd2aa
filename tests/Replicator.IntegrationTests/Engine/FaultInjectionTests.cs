using Replicator.Applying;
using Replicator.Aws;
using Replicator.IntegrationTests.Support;

namespace Replicator.IntegrationTests.Engine;

/// <summary>Failures moto never produces, injected by a proxy in front of it: nothing may be lost.</summary>
[Collection(MotoCollection.Name)]
public sealed class FaultInjectionTests(MotoServer moto)
{
    private async Task<(TargetTable Target, FaultProxy Proxy, AwsClients Clients)> SetUpAsync()
    {
        var target = new TargetTable("us-west-2", await moto.CreateTableAsync("us-west-2", "faults"));
        var proxy = new FaultProxy(moto.Endpoint);
        return (target, proxy, new AwsClients(MotoServer.Credentials, proxy.Endpoint));
    }

    [Theory]
    [InlineData(Fault.Throttle)]
    [InlineData(Fault.ServerError)]
    [InlineData(Fault.Unavailable)]
    [InlineData(Fault.DropConnection)]
    [InlineData(Fault.DropAfterForwarding)]
    [InlineData(Fault.HalfUnprocessed)]
    public async Task Apply_TransientFaults_LoseNothing(Fault fault)
    {
        var (target, proxy, clients) = await SetUpAsync();
        await using var _ = proxy;
        using var __ = clients;
        // The first six write requests of every kind fail; the engine must retry through them.
        proxy.Policy = (operation, call) => operation is "BatchWriteItem" or "PutItem" or "DeleteItem" && call <= 6 ? fault : Fault.None;
        var changes = StreamEvents.Random(count: 300, keys: 120, seed: (int)fault);

        var report = await EngineHarness.Engine(clients, [target]).ApplyAsync(changes);

        Assert.True(report.Succeeded, string.Join("; ", report.Errors));
        Assert.Contains(proxy.Log, entry => entry.Fault == fault);
        EngineHarness.AssertSame(EngineHarness.Expected(changes), await EngineHarness.ContentsAsync(moto, target));
    }

    [Fact]
    public async Task Apply_ThrottledBeyondTheDeadline_ReportsTheEarliestUnappliedRecord_AndRedeliveryConverges()
    {
        var (target, proxy, clients) = await SetUpAsync();
        await using var _ = proxy;
        using var __ = clients;
        var changes = StreamEvents.Random(count: 80, keys: 80, seed: 5);
        var engine = EngineHarness.Engine(clients, [target]);
        // Every batch is throttled until the deadline passes.
        var throttling = true;
        proxy.Policy = (operation, _) => throttling && operation == "BatchWriteItem" ? Fault.Throttle : Fault.None;

        var report = await engine.ApplyAsync(changes, within: TimeSpan.FromSeconds(1.5));

        Assert.False(report.Succeeded);
        Assert.Contains(report.Errors, e => e.Contains("ProvisionedThroughputExceededException", StringComparison.Ordinal));
        Assert.Equal(changes[0].SequenceNumber.ToString(System.Globalization.CultureInfo.InvariantCulture), report.FirstFailure?.Value);

        // Redelivery from the reported point, with the throttling over, converges.
        throttling = false;
        var resumeAt = long.Parse(report.FirstFailure!.Value.Value, System.Globalization.CultureInfo.InvariantCulture);
        var resumed = await engine.ApplyAsync(changes.Where(c => c.SequenceNumber >= resumeAt));
        Assert.True(resumed.Succeeded);
        EngineHarness.AssertSame(EngineHarness.Expected(changes), await EngineHarness.ContentsAsync(moto, target));
    }

    [Fact]
    public async Task Apply_OneKeyThrottledForEver_IsReportedAtThatKeysFirstRecord_WhileTheRestApply()
    {
        var (target, proxy, clients) = await SetUpAsync();
        await using var _ = proxy;
        using var __ = clients;
        // A hot partition: DynamoDB leaves one key's write unprocessed, request after request.
        var changes = Enumerable.Range(0, 10).Select(i => StreamEvents.Put(900 + i, $"key-{i}", i)).ToList();
        proxy.Policy = (operation, _) => operation == "BatchWriteItem" ? Fault.WithholdMatching : Fault.None;
        proxy.Withhold = request => (string?)request["PutRequest"]?["Item"]?["pk"]?["S"] == "key-4";

        var report = await EngineHarness.Engine(clients, [target]).ApplyAsync(changes, within: TimeSpan.FromSeconds(1.5));

        Assert.Equal("904", report.FirstFailure?.Value);
        Assert.Equal(9, report.RecordsApplied);
        var stored = await EngineHarness.ContentsAsync(moto, target);
        Assert.Equal(9, stored.Count);
        Assert.DoesNotContain("key-4", stored.Keys);
    }
}
