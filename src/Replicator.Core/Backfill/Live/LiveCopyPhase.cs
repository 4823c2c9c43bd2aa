namespace Replicator.Backfill.Live;

/// <summary>Where a live copy stands, as its progress file says (the file is gone once it is done).</summary>
public enum LiveCopyPhase : byte
{
    /// <summary>Segments are still being copied: replicated deletes are written as markers.</summary>
    Copying,

    /// <summary>Every segment is copied: deletes are plain again, and the markers are being swept.</summary>
    Sweeping,
}

/// <summary>The phases as the progress file spells them.</summary>
internal static class LiveCopyPhases
{
    public static string Text(LiveCopyPhase phase) => phase switch
    {
        LiveCopyPhase.Copying => "copying",
        LiveCopyPhase.Sweeping => "sweeping",
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, null),
    };

    public static LiveCopyPhase Parse(string? text) => text switch
    {
        "copying" => LiveCopyPhase.Copying,
        "sweeping" => LiveCopyPhase.Sweeping,
        _ => throw new FormatException($"phase '{text}' is not copying or sweeping"),
    };
}
