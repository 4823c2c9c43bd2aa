using Replicator.Model;

namespace Replicator.MultiActive;

/// <summary>One conditional write to one table, on its own or in a transaction.</summary>
public abstract record TableWrite(string Table, ItemKey Key, Condition? Condition)
{
    /// <summary>PutItem: the whole item (its key attributes included) replaces what is there.</summary>
    public sealed record Put(string Table, ItemKey Key, IReadOnlyDictionary<string, DynamoValue> Item, Condition? Condition) : TableWrite(Table, Key, Condition);

    /// <summary>UpdateItem <c>SET attribute = value</c>, leaving every other attribute as it is; alone, it answers with the item as it is after.</summary>
    public sealed record Set(string Table, ItemKey Key, string Attribute, DynamoValue Value, Condition? Condition) : TableWrite(Table, Key, Condition);

    /// <summary>DeleteItem.</summary>
    public sealed record Delete(string Table, ItemKey Key, Condition? Condition) : TableWrite(Table, Key, Condition);

    /// <summary>A ConditionCheck: in a transaction only, writes nothing.</summary>
    public sealed record Check(string Table, ItemKey Key, Condition Condition) : TableWrite(Table, Key, Condition);
}

/// <summary>What a table did with one conditional write.</summary>
public abstract record TableWriteOutcome
{
    private TableWriteOutcome()
    {
    }

    /// <summary>Done. <see cref="After"/> is the item as it stands after a <see cref="TableWrite.Set"/>; null for other writes.</summary>
    public sealed record Written(IReadOnlyDictionary<string, DynamoValue>? After) : TableWriteOutcome;

    /// <summary>The condition was not met; nothing changed. <see cref="Current"/> is the item as it stands (null: there is none).</summary>
    public sealed record ConditionFailed(IReadOnlyDictionary<string, DynamoValue>? Current) : TableWriteOutcome;

    public sealed record Failed(Applying.Refusal Refusal) : TableWriteOutcome;
}

/// <summary>What a table did with a transaction: all of it, none of it for a failed condition (saying whose), or refused.</summary>
public abstract record TransactionOutcome
{
    private TransactionOutcome()
    {
    }

    public sealed record Written : TransactionOutcome;

    /// <summary>Nothing was written: the writes at <see cref="FailedConditions"/> (their indexes in the transaction) did not meet their conditions.</summary>
    public sealed record Cancelled(IReadOnlyList<int> FailedConditions) : TransactionOutcome;

    public sealed record Failed(Applying.Refusal Refusal) : TransactionOutcome;
}

/// <summary>What a table answered to a read: the items found (missing keys have none), or a refusal.</summary>
public abstract record TableReadOutcome
{
    private TableReadOutcome()
    {
    }

    public sealed record Read(IReadOnlyDictionary<ItemKey, IReadOnlyDictionary<string, DynamoValue>> Items) : TableReadOutcome;

    public sealed record Failed(Applying.Refusal Refusal) : TableReadOutcome;
}
