namespace Replicator.Streams;

/// <summary>How a shard's reader ended.</summary>
internal abstract record ShardEnd
{
    private ShardEnd()
    {
    }

    public static ShardEnd ReadToEnd { get; } = new Finished();

    public static ShardEnd Stopped { get; } = new Cancelled();

    /// <summary>The shard is left unread: the poller must stop, with <paramref name="Error"/>, rather than run on without it.</summary>
    public sealed record Failed(string Error) : ShardEnd;

    /// <summary>The closed shard was read to its end; its children may start.</summary>
    public sealed record Finished : ShardEnd;

    /// <summary>The poller is stopping; the batch in flight finished and its checkpoint is written.</summary>
    public sealed record Cancelled : ShardEnd;
}
