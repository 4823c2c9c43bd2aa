using System.Text.Json;
using System.Text.Json.Serialization;

namespace Replicator.Streams;

/// <summary>
/// Where replication of one shard stands: the last sequence number whose effect is durable on every
/// target, whether the shard is read to its end, and whether it is to start at LATEST (asked for
/// with <c>--start-at latest</c> and no record replicated yet).
/// </summary>
public sealed record ShardCheckpoint(string? SequenceNumber, bool Finished = false, bool StartAtLatest = false);

/// <summary>The checkpoints of one stream, by shard id.</summary>
public sealed record StreamCheckpoints(string StreamArn, IReadOnlyDictionary<string, ShardCheckpoint> Shards)
{
    public static StreamCheckpoints Empty(string streamArn) => new(streamArn, new Dictionary<string, ShardCheckpoint>(StringComparer.Ordinal));
}

/// <summary>Keeps checkpoints between runs. Saving must be atomic: a crash at any moment leaves the old or the new checkpoints, whole.</summary>
public interface ICheckpointStore
{
    /// <summary>The saved checkpoints, or null if none were saved.</summary>
    Task<StreamCheckpoints?> LoadAsync(CancellationToken cancellationToken);

    Task SaveAsync(StreamCheckpoints checkpoints, CancellationToken cancellationToken);
}

/// <summary>The checkpoint file is unreadable: the message says which file and what is wrong.</summary>
public sealed class CheckpointException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Checkpoints in a local JSON file, written atomically: the new content goes to a temporary file
/// beside it, is flushed to disk, and is renamed over the old one (a rename is atomic on POSIX
/// file systems and on NTFS).
/// </summary>
public sealed class FileCheckpointStore(string path) : ICheckpointStore
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public async Task<StreamCheckpoints?> LoadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        CheckpointFile? file;
        try
        {
            await using var stream = File.OpenRead(Path);
            file = await JsonSerializer.DeserializeAsync(stream, CheckpointJsonContext.Default.CheckpointFile, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"The checkpoint file {Path} is not valid JSON ({e.Message}). Fix or delete it; deleting it restarts replication from the stream's trim horizon.", e);
        }

        if (file is not { Version: 1, StreamArn: { } arn, Shards: { } shards })
        {
            throw new CheckpointException($"The checkpoint file {Path} is not a version 1 checkpoint file with \"streamArn\" and \"shards\".");
        }

        return new StreamCheckpoints(arn, shards.ToDictionary(
            pair => pair.Key,
            pair => new ShardCheckpoint(pair.Value.SequenceNumber, pair.Value.Finished, pair.Value.StartAtLatest),
            StringComparer.Ordinal));
    }

    public async Task SaveAsync(StreamCheckpoints checkpoints, CancellationToken cancellationToken)
    {
        var file = new CheckpointFile
        {
            Version = 1,
            StreamArn = checkpoints.StreamArn,
            Shards = checkpoints.Shards.ToDictionary(
                pair => pair.Key,
                pair => new ShardCheckpointFile { SequenceNumber = pair.Value.SequenceNumber, Finished = pair.Value.Finished, StartAtLatest = pair.Value.StartAtLatest },
                StringComparer.Ordinal),
        };
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory);
        var temporary = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(Path)}.{Environment.ProcessId}.tmp");
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
        {
            await JsonSerializer.SerializeAsync(stream, file, CheckpointJsonContext.Default.CheckpointFile, cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
    }
}

internal sealed class CheckpointFile
{
    public int Version { get; set; }

    public string? StreamArn { get; set; }

    public Dictionary<string, ShardCheckpointFile>? Shards { get; set; }
}

internal sealed class ShardCheckpointFile
{
    public string? SequenceNumber { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Finished { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool StartAtLatest { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(CheckpointFile))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext;
