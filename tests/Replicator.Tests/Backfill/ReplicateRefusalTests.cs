using Replicator.Backfill;
using Replicator.Cli;
using Replicator.Model;
using Replicator.Tests.Cli;

namespace Replicator.Tests.Backfill;

/// <summary><c>replicate</c> beside an unfinished backfill, without any server: it refuses before it reads anything.</summary>
public sealed class ReplicateRefusalTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("replicate-refusal-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string CheckpointPath => Path.Combine(_directory, "users.checkpoint.json");

    /// <summary>Defect 8: replicate started from the checkpoint of a copy still under way, where a copied item can land after a newer replicated change and stay wrong.</summary>
    [Fact]
    public async Task Replicate_WhileABackfillOfItsCheckpointIsUnfinished_RefusesWithExit2_SayingWhyAndHowToFinish()
    {
        new BackfillState(
            "us-east-1:users",
            "us-west-2:users,eu-west-1:users",
            "arn:aws:dynamodb:us-east-1:123456789012:table/users/stream/2026-01-01T00:00:00.000",
            new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero),
            ItemsCopied: 10,
            [new SegmentState(true, null), new SegmentState(false, new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String("user7") }), new SegmentState(false, null)])
            .Save(BackfillState.PathFor(CheckpointPath));

        var (code, output) = await CliRunner.RunAsync(
            "replicate", "--source", "us-east-1:users", "--target", "us-west-2:users", "--target", "eu-west-1:users", "--checkpoint", CheckpointPath, "--endpoint", "http://127.0.0.1:9");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("belongs to a backfill that has not finished", output, StringComparison.Ordinal);
        Assert.Contains("would stay wrong", output, StringComparison.Ordinal);
        Assert.Contains(
            $"replicator backfill --source us-east-1:users --target us-west-2:users --target eu-west-1:users --checkpoint {CheckpointPath} --segments 3",
            output,
            StringComparison.Ordinal);
    }
}
