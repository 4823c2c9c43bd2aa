using Replicator.Applying;
using Replicator.Aws;
using Replicator.IntegrationTests.Support;
using Replicator.Model;
using Replicator.MultiActive;

namespace Replicator.IntegrationTests.MultiActive;

/// <summary>
/// Answers moto never gives, injected by a proxy in front of it: unprocessed keys are asked again,
/// throttling, 5xx and dropped connections come back as retryable refusals. Run against both
/// implementations of the region tables. (A "dropped" connection is, from the managed HttpListener
/// on Linux, sometimes a 200 with an empty body and sometimes a closed connection: neither says a
/// write was made.)
/// </summary>
public abstract class RegionTablesFaultTests(MotoServer moto)
{
    private const string Region = "us-west-1";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>The implementation under test, over <paramref name="clients"/>.</summary>
    protected abstract IRegionTables Tables(AwsClients clients, string region);

    private static ItemKey Key(string pk) => new(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String(pk) });

    private async Task<(string Table, List<ItemKey> Keys)> TableAsync(int items)
    {
        var table = await moto.CreateTableAsync(Region, "faults");
        var tables = Tables(moto.Clients, Region);
        var keys = Enumerable.Range(0, items).Select(i => Key($"k{i}")).ToList();
        foreach (var key in keys)
        {
            Assert.IsType<TableWriteOutcome.Written>(await tables.WriteAsync(new TableWrite.Put(table, key, key.Attributes, null), Token));
        }

        return (table, keys);
    }

    [Fact]
    public async Task Read_WithKeysLeftUnprocessed_AsksForThemAgain_UntilEveryItemIsRead()
    {
        var (table, keys) = await TableAsync(40);
        await using var proxy = new FaultProxy(moto.Endpoint);
        using var clients = new AwsClients(MotoServer.Credentials, proxy.Endpoint);
        proxy.Policy = (operation, call) => operation == "BatchGetItem" && call <= 3 ? Fault.HalfUnprocessed : Fault.None;

        var read = await Tables(clients, Region).ReadAsync(table, [.. keys, Key("nobody")], Token);

        Assert.Equal(keys.ToHashSet(), Assert.IsType<TableReadOutcome.Read>(read).Items.Keys.ToHashSet());
        Assert.Equal(3, proxy.Log.Count(entry => entry.Fault == Fault.HalfUnprocessed));
    }

    [Theory]
    [InlineData(Fault.Throttle)]
    [InlineData(Fault.ServerError)]
    [InlineData(Fault.Unavailable)]
    [InlineData(Fault.DropConnection)]
    public async Task EveryCall_ThrottledFailingOnTheServerOrUnanswered_IsARetryableRefusal_NotThrown(Fault fault)
    {
        var (table, keys) = await TableAsync(1);
        await using var proxy = new FaultProxy(moto.Endpoint);
        using var clients = new AwsClients(MotoServer.Credentials, proxy.Endpoint);
        proxy.Policy = (_, _) => fault;
        var tables = Tables(clients, Region);
        var condition = Condition.Exists(new AttributePath("pk"));

        Refusal[] refusals =
        [
            Assert.IsType<TableWriteOutcome.Failed>(await tables.WriteAsync(new TableWrite.Put(table, keys[0], keys[0].Attributes, condition), Token)).Refusal,
            Assert.IsType<TableWriteOutcome.Failed>(await tables.WriteAsync(new TableWrite.Set(table, keys[0], "m", DynamoValue.String("x"), condition), Token)).Refusal,
            Assert.IsType<TableWriteOutcome.Failed>(await tables.WriteAsync(new TableWrite.Delete(table, keys[0], condition), Token)).Refusal,
            Assert.IsType<TransactionOutcome.Failed>(await tables.TransactAsync([new TableWrite.Check(table, keys[0], condition)], Token)).Refusal,
            Assert.IsType<TableReadOutcome.Failed>(await tables.ReadAsync(table, keys, Token)).Refusal,
        ];

        Assert.All(refusals, refusal => Assert.Equal(TargetErrorKind.Retryable, refusal.Kind));
    }
}
