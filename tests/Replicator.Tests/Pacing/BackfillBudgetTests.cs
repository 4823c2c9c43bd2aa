using Replicator.Backfill;
using Replicator.Model;
using Replicator.Pacing;
using Replicator.Tests.Streams;
using Replicator.Tests.Verification;
using Replicator.Verification;

namespace Replicator.Tests.Pacing;

/// <summary>A backfill under a write budget far below what a page needs in the copy's deadline: the wait for the budget is not a failure to write.</summary>
public sealed class BackfillBudgetTests
{
    private static readonly KeyAttribute PartitionKey = new("pk", "S", IsPartitionKey: true);

    [Fact]
    public async Task Backfill_WriteBudgetSoSmallAPageTakesLongerThanTheCopyDeadline_StillCopiesEverything()
    {
        var directory = Path.Combine(Path.GetTempPath(), "budget-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var time = new SkippingClock();
            var source = new InMemoryTable("us-east-1", "users", PartitionKey) { PageSize = 100 };
            var target = new InMemoryTable("us-west-2", "users", PartitionKey);
            for (var i = 0; i < 100; i++)
            {
                source.Put(new Dictionary<string, DynamoValue>(StringComparer.Ordinal) { ["pk"] = DynamoValue.String($"k{i:D3}") });
            }

            var streams = new FakeStreamsApi();
            streams.AddShard();

            // 100 one-unit writes at 0.1 units a second: about 750 s of budget for one page, more than DefaultCopyTimeout (5 min).
            var paced = new PacedTargetWriter(target, new CapacityBudget(0.1, time));
            var backfiller = new Backfiller(source, [paced], streams, time, new Random(7), _ => { });

            await backfiller.RunAsync(new BackfillRequest(source.Table, [target.Table], 1, Path.Combine(directory, "checkpoint.json")), FakeStreamsApi.Arn, TestContext.Current.CancellationToken);

            Assert.Equal(100, target.Items.Count);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
