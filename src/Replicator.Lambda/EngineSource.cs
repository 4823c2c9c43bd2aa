namespace Replicator.Lambda;

/// <summary>
/// Where the function gets the engine for a batch: one engine for the life of the process
/// (one-way), or one per table the events come from (multi-active, where that table is the
/// local replica). Either refuses a batch whose source is a target.
/// </summary>
internal interface IEngineSource
{
    EngineChoice For(Parsing.ParsedBatch batch, Invocation invocation);
}

/// <summary>The engine to run a batch with, or why the batch must not be written at all.</summary>
internal abstract record EngineChoice
{
    private EngineChoice()
    {
    }

    /// <param name="LocalTable">Multi-active only: the table the batch comes from, which conflicts are found in.</param>
    public sealed record Ready(ReplicationEngine Engine, string? LocalTable = null) : EngineChoice;

    public sealed record Refused(FunctionError Error) : EngineChoice;
}
