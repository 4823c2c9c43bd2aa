using Replicator.Applying;
using Replicator.Backfill.Live;
using Replicator.Model;
using Replicator.Planning;
using Replicator.Tests.Verification;
using Replicator.Verification;

namespace Replicator.Tests.Backfill.Live;

/// <summary>The engine's writer during a live copy, and the switch back to plain deletes.</summary>
public sealed class MarkingDeletesWriterTests
{
    private readonly InMemoryTable _target = new("us-west-2", "users", new KeyAttribute("pk", "S", IsPartitionKey: true));

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static WriteAction Delete(string key) => WriteAction.Remove(new ItemKey(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String(key) }));

    private static WriteAction Put(string key) => WriteAction.Copy(new ItemKey(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String(key) }), Fixtures.Events.Item(key, 1));

    [Fact]
    public async Task WriteBatch_WhileMarking_PutsAMarkerForEachDelete_AndPassesPutsAsTheyAre()
    {
        var writer = new MarkingDeletesWriter(_target, new DeleteMode());

        var outcome = await writer.WriteBatchAsync([Delete("a"), Put("b")], Token);

        Assert.Empty(Assert.IsType<BatchOutcome.Written>(outcome).Unprocessed);
        Assert.Equal(new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String("a"), [DeleteMarker.Attribute] = DynamoValue.Bool(true) }, _target.Items[Delete("a").Key]);
        Assert.Equal("1", _target.Items[Put("b").Key]["v"].AsNumber());
        Assert.Equal(1, writer.MarkersWritten);
    }

    [Fact]
    public async Task WriteBatch_UnprocessedMarker_IsReportedAsTheEngineDelete_SoItsRetryAfterTheSwitchIsAPlainDelete()
    {
        var mode = new DeleteMode();
        var writer = new MarkingDeletesWriter(_target, mode);
        _target.Put(Fixtures.Events.Item("a", 1));
        var delete = Delete("a");
        _target.WriteFault = actions => [.. actions.Where(action => action.Item.ContainsKey(DeleteMarker.Attribute))];

        var first = Assert.IsType<BatchOutcome.Written>(await writer.WriteBatchAsync([delete], Token));
        _target.WriteFault = _ => [];
        await mode.SwitchToDeletesAsync(Token);
        await writer.WriteBatchAsync(first.Unprocessed, Token);

        Assert.Same(delete, Assert.Single(first.Unprocessed));
        Assert.Empty(_target.Items);
        Assert.Equal(0, writer.MarkersWritten);
    }

    [Fact]
    public async Task SwitchToDeletes_WaitsForTheMarkerWriteInFlight_AndADeleteStartedAfterIsPlain()
    {
        var mode = new DeleteMode();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = new GatedWriter(_target, gate.Task);
        var writer = new MarkingDeletesWriter(slow, mode);
        _target.Put(Fixtures.Events.Item("b", 1));

        var inFlight = writer.WriteBatchAsync([Delete("a")], Token);
        await slow.Entered.Task;
        var switched = mode.SwitchToDeletesAsync(Token);
        await writer.WriteOneAsync(Delete("b"), Token);
        var waitedForTheMarker = !switched.IsCompleted;
        gate.SetResult();
        await inFlight;
        await switched;

        Assert.True(waitedForTheMarker, "the switch returned while a marker write was still in flight");
        Assert.False(mode.WritesMarkers);
        Assert.True(DeleteMarker.IsMarker(_target.Items[Delete("a").Key]));
        Assert.False(_target.Items.ContainsKey(Delete("b").Key), "a delete after the switch wrote a marker");
    }

    /// <summary>Holds its first batch until the gate opens; everything else goes straight through.</summary>
    private sealed class GatedWriter(ITargetWriter inner, Task gate) : ITargetWriter
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TargetTable Target => inner.Target;

        public async Task<BatchOutcome> WriteBatchAsync(IReadOnlyList<WriteAction> actions, CancellationToken cancellationToken)
        {
            if (Entered.TrySetResult())
            {
                await gate;
            }

            return await inner.WriteBatchAsync(actions, cancellationToken);
        }

        public Task<WriteOutcome> WriteOneAsync(WriteAction action, CancellationToken cancellationToken) => inner.WriteOneAsync(action, cancellationToken);
    }
}
