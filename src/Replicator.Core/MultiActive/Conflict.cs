using System.Security.Cryptography;
using System.Text;
using Replicator.Model;

namespace Replicator.MultiActive;

/// <summary>One side of a conflict: a write's version and what it wrote (no image: a delete).</summary>
public sealed record ConflictSide(ItemVersion Version, IReadOnlyDictionary<string, DynamoValue>? Image)
{
    public bool IsDelete => Image is null;

    public string Origin => Version.Region;
}

/// <summary>
/// A write that lost to a concurrent one (neither had seen the other): found in the loser's
/// own region, where the winner replaced it, and recorded there once. <see cref="Id"/> is
/// the same wherever and however often it is found, so a replay records nothing new: it names
/// the lost write alone (its region, its record's sequence number, what it wrote), not the
/// versions, because a replay may give the loser another version (its batch shows more of the
/// item's history) and find another winner in its place (the item moved on since).
/// </summary>
public sealed record Conflict(ItemKey Key, ConflictSide Winner, ConflictSide Loser, string DetectedIn, DateTimeOffset DetectedAt)
{
    public string Id { get; } = IdOf(Key, Loser);

    /// <summary>True when <paramref name="winner"/>, with what it had seen, had not seen <paramref name="loser"/>: the loser was not overwritten but lost.</summary>
    public static bool IsConcurrent(ItemVersion loser, SeenVersions winner) => !winner.Covers(loser);

    private static string IdOf(ItemKey key, ConflictSide loser)
    {
        // Writes versioned as the item stood after a later application write carry an earlier record's sequence number: the data tells them apart.
        var wrote = loser.Image is { } image ? ItemDigest.Of(image, metadataAttribute: "") : "delete";
        var text = Encoding.UTF8.GetBytes($"{key.Text}\n{loser.Version.Region}\n{loser.Version.Sequence}\n{wrote}");
        return Convert.ToHexStringLower(SHA256.HashData(text).AsSpan(0, 16));
    }
}
