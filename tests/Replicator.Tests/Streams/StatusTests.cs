using System.Text.Json;
using Replicator.Applying;
using Replicator.Cli;
using Replicator.Streams;
using Spectre.Console;

namespace Replicator.Tests.Streams;

/// <summary><c>replicator status</c> over <see cref="FakeStreamsApi"/>: it applies the poller's lineage rule, and reads past empty pages.</summary>
public sealed class StatusTests
{
    private readonly PollerHarness _h = new();

    /// <summary>When the fake stream's records are made, unless a test says otherwise (Events.Record).</summary>
    private static readonly DateTimeOffset Created = DateTimeOffset.FromUnixTimeSeconds(1700000000);

    private async Task<(int ExitCode, string Output)> StatusAsync(OutputFormat format, DateTimeOffset? now = null, double retentionWarning = ReplicationOptions.DefaultRetentionWarning)
    {
        var report = await StatusCommand.ReadAsync(_h.Streams, FakeStreamsApi.Arn, _h.Checkpoints.Current, TestContext.Current.CancellationToken);
        var text = new StringWriter();
        var code = StatusOutput.Write(Replicator.Tests.Cli.CliRunner.Console(text), format, new TargetTable("us-east-1", "source"), "checkpoint.json", report, retentionWarning, now ?? Created + TimeSpan.FromMinutes(1));
        return (code, text.ToString());
    }

    private static JsonElement ShardOf(string json, string shard) =>
        JsonDocument.Parse(json).RootElement.GetProperty("shards").EnumerateArray().Single(element => element.GetProperty("shardId").GetString() == shard);

    [Theory]
    [InlineData(OutputFormat.Text)]
    [InlineData(OutputFormat.Json)]
    public async Task Status_ShardGoneFromTheStreamBeforeItWasReadToItsEnd_SaysDataWasLostAndExitsFailed(OutputFormat format)
    {
        var parent = _h.Streams.AddShard();
        _h.WriteMany(parent, 10);
        await _h.RunAsync();
        _h.WriteMany(parent, 5, prefix: "lost");
        _h.Streams.Close(parent);
        _h.Streams.AddShard(parent);
        _h.Streams.Remove(parent);

        var (code, output) = await StatusAsync(format);

        Assert.Equal(1, code);
        var error = format == OutputFormat.Json ? JsonDocument.Parse(output).RootElement.GetProperty("error").GetString() : output;
        Assert.Contains("Data was lost from the stream", error, StringComparison.Ordinal);
        Assert.Contains(parent, error, StringComparison.Ordinal);
        Assert.Contains("backfill", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_CheckpointThatStartsAtLatest_CountsNothingTheStreamHeldBefore_AndWarnsOfNone()
    {
        // replicate --start-at latest leaves this checkpoint until its first record: the records
        // the stream held before are not to be replicated, so they are neither behind nor at risk.
        var shard = _h.Streams.AddShard();
        _h.WriteMany(shard, 10);
        await _h.Checkpoints.SaveAsync(new StreamCheckpoints(FakeStreamsApi.Arn, new Dictionary<string, ShardCheckpoint> { [shard] = new(null, StartAtLatest: true) }), TestContext.Current.CancellationToken);

        var (code, output) = await StatusAsync(OutputFormat.Json, now: Created + TimeSpan.FromHours(13));

        Assert.Equal(0, code);
        var status = ShardOf(output, shard);
        Assert.Equal(0, status.GetProperty("recordsBehind").GetInt32());
        Assert.False(status.TryGetProperty("retentionWarning", out var warning) && warning.ValueKind == JsonValueKind.String);
    }

    [Fact]
    public async Task Status_NothingLost_HasNoErrorAndExitsOk()
    {
        var shard = _h.Streams.AddShard();
        _h.WriteMany(shard, 10);
        await _h.RunAsync();

        var (code, output) = await StatusAsync(OutputFormat.Json);

        Assert.Equal(0, code);
        Assert.False(JsonDocument.Parse(output).RootElement.TryGetProperty("error", out _));
        Assert.Equal(0, ShardOf(output, shard).GetProperty("recordsBehind").GetInt32());
    }

    [Fact]
    public async Task Status_EmptyPagesBeforeRecordsThatExist_AreReadPast_NotReportedAsZeroBehind()
    {
        var shard = _h.Streams.AddShard();
        _h.WriteMany(shard, 7);
        _h.Streams.EmptyPagesBefore(shard, ReplicationOptions.EmptyPagesToCatchUp - 1);

        var (_, output) = await StatusAsync(OutputFormat.Json);

        var status = ShardOf(output, shard);
        Assert.Equal(7, status.GetProperty("recordsBehind").GetInt32());
        Assert.False(status.GetProperty("recordsBehindIsLowerBound").GetBoolean());
    }

    [Fact]
    public async Task Status_MorePagesOfRecordsThanItReads_ShowsALowerBound()
    {
        var shard = _h.Streams.AddShard();
        _h.WriteMany(shard, 200); // Twenty pages of ten.

        var (_, output) = await StatusAsync(OutputFormat.Json);

        var status = ShardOf(output, shard);
        Assert.True(status.GetProperty("recordsBehindIsLowerBound").GetBoolean());
        Assert.InRange(status.GetProperty("recordsBehind").GetInt32(), 10, 199);
    }

    [Fact]
    public async Task Status_CheckpointPastTheTrimHorizon_SaysDataWasLostAndExitsFailed()
    {
        var shard = _h.Streams.AddShard();
        _h.WriteMany(shard, 10);
        await _h.RunAsync();
        _h.WriteMany(shard, 10);
        _h.Streams.Trim(shard, 15); // Five records written after the checkpoint are gone.

        var (code, output) = await StatusAsync(OutputFormat.Text);

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains("Data was lost from the stream", output, StringComparison.Ordinal);
        Assert.Contains(shard, output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(OutputFormat.Text)]
    [InlineData(OutputFormat.Json)]
    public async Task Status_OldestUnreplicatedChangePastTheRetentionWarning_WarnsButExitsOk(OutputFormat format)
    {
        var shard = _h.Streams.AddShard();
        _h.WriteMany(shard, 3);

        var (code, output) = await StatusAsync(format, now: Created + TimeSpan.FromHours(13.1));

        Assert.Equal(ExitCodes.Ok, code); // Nothing is lost yet.
        var warning = format == OutputFormat.Json ? ShardOf(output, shard).GetProperty("retentionWarning").GetString() : output;
        Assert.Contains($"warning: shard {shard}: the oldest unreplicated change is 13.1 h old, past 50% of the stream's 24 h retention; at 24 h records are lost", warning, StringComparison.Ordinal);
        Assert.Contains("backfill", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_OldestUnreplicatedChangeWithinTheRetentionWarning_HasNoWarning()
    {
        var shard = _h.Streams.AddShard();
        _h.WriteMany(shard, 3);

        var (_, output) = await StatusAsync(OutputFormat.Json, now: Created + TimeSpan.FromHours(11.9));

        Assert.False(ShardOf(output, shard).TryGetProperty("retentionWarning", out _));
    }

    [Fact]
    public async Task Status_RetentionWarningFraction_SetsTheThreshold()
    {
        var shard = _h.Streams.AddShard();
        _h.WriteMany(shard, 3);

        var (_, output) = await StatusAsync(OutputFormat.Text, now: Created + TimeSpan.FromHours(7), retentionWarning: 0.25);

        Assert.Contains("7.0 h old, past 25% of the stream's 24 h retention", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_CaughtUpShard_HasNoWarningHoweverOldItsRecords()
    {
        var shard = _h.Streams.AddShard();
        _h.WriteMany(shard, 3);
        await _h.RunAsync();

        var (_, output) = await StatusAsync(OutputFormat.Text, now: Created + TimeSpan.FromHours(23));

        Assert.DoesNotContain("warning", output, StringComparison.Ordinal);
    }
}
