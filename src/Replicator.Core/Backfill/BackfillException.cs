namespace Replicator.Backfill;

/// <summary>The backfill stopped; the message says why, that nothing is lost, and that running it again resumes.</summary>
public sealed class BackfillException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Ends every message: what a user needs to know after any failure of the copy.</summary>
    internal const string Resume = "Nothing is lost: run the same command again to resume.";
}
