using Replicator.Applying;
using Replicator.Model;

namespace Replicator.Redrive;

/// <summary>One letter of a batch as the redrive works on it: the writes it needs (key and target), or why it stays.</summary>
internal sealed class LetterWork(QueuedMessage message, Letter letter)
{
    public QueuedMessage Message { get; } = message;

    public Letter Letter { get; } = letter;

    public IReadOnlyList<(ItemKey Key, TargetTable Target)> Needs { get; private set; } = [];

    public KeptLetter? Kept { get; private set; }

    public void Need(IEnumerable<ItemKey> keys, IReadOnlyList<TargetTable> targets) =>
        Needs = [.. keys.SelectMany(key => targets.Select(target => (key, target)))];

    /// <summary>The first reason wins: the letter stays for it.</summary>
    public void Keep(KeptReason reason, string detail, IReadOnlyList<ItemKey>? keys = null) =>
        Kept ??= new KeptLetter(Message.MessageId, reason, detail, keys ?? [.. Needs.Select(need => need.Key).Distinct()]);
}
