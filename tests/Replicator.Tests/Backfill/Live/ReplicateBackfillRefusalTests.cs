using Replicator.Backfill;
using Replicator.Backfill.Live;
using Replicator.Cli;
using Replicator.Tests.Cli;

namespace Replicator.Tests.Backfill.Live;

/// <summary><c>replicate</c> and <c>--backfill</c>'s refusals, without any server: each exits 2 before it reads anything.</summary>
public sealed class ReplicateBackfillRefusalTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("replicate-backfill-refusal-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string CheckpointPath => Path.Combine(_directory, "users.checkpoint.json");

    [Theory]
    [InlineData(LiveCopyPhase.Copying, "copying")]
    [InlineData(LiveCopyPhase.Sweeping, "sweeping its delete markers")]
    public async Task Replicate_WithoutBackfill_WhileALiveCopyOfItsCheckpointIsUnfinished_RefusesWithExit2_GivingTheCommandThatFinishesIt(LiveCopyPhase phase, string said)
    {
        new BackfillState("us-east-1:users", "us-west-2:users", "arn:aws:dynamodb:us-east-1:123456789012:table/users/stream/2026-01-01T00:00:00.000", DateTimeOffset.UnixEpoch, 10, [new SegmentState(true, null), new SegmentState(false, null)])
        {
            Phase = phase,
        }.Save(BackfillState.PathFor(CheckpointPath));

        var (code, output) = await CliRunner.RunAsync("replicate", "--source", "us-east-1:users", "--target", "us-west-2:users", "--checkpoint", CheckpointPath, "--endpoint", "http://127.0.0.1:9");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains($"replicate --backfill that has not finished ({said}", output, StringComparison.Ordinal);
        Assert.Contains($"replicator replicate --backfill --source us-east-1:users --target us-west-2:users --checkpoint {CheckpointPath} --segments 2", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplicateBackfill_InMultiActiveMode_RefusesWithExit2_NamingItsOwnGuardedBackfill()
    {
        var (code, output) = await CliRunner.RunAsync("replicate", "--backfill", "--mode", "multi-active", "--source", "us-east-1:users", "--target", "us-west-2:users", "--endpoint", "http://127.0.0.1:9");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--backfill: is for one-way replication", output, StringComparison.Ordinal);
        Assert.Contains("replicator backfill --mode multi-active", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--segments", "8")]
    [InlineData("--backfill", "--start-at", "latest")]
    public async Task Replicate_WithAnOptionThatOnlyGoesWithoutTheOther_RefusesWithExit2_NamingIt(params string[] options)
    {
        var (code, output) = await CliRunner.RunAsync(["replicate", "--source", "us-east-1:users", "--target", "us-west-2:users", "--checkpoint", CheckpointPath, "--endpoint", "http://127.0.0.1:9", .. options]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(options[0] == "--segments" ? "--segments: is for the copy of --backfill" : "--start-at: does not apply with --backfill", output, StringComparison.Ordinal);
    }
}
