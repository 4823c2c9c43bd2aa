using Replicator.Applying;
using Replicator.Planning;

namespace Replicator.Tests.Applying;

/// <summary>
/// What DynamoDB refuses of a write request before writing any of it, for the in-memory writers
/// (<see cref="InMemoryTarget"/>, the verifier's <c>InMemoryTable</c>): a missing table and items
/// without the table's key are fatal, an item over 400 KB is poison. The writer contract suite
/// checks that they and DynamoDB on moto agree.
/// </summary>
internal static class WriteRefusals
{
    public static Refusal? Of(TargetTable target, IReadOnlyList<string> keyNames, bool exists, IReadOnlyList<WriteAction> actions)
    {
        if (!exists)
        {
            return new Refusal(TargetErrorKind.Fatal, $"{target}: ResourceNotFoundException: Requested resource not found: Table: {target.TableName} not found");
        }

        if (actions.FirstOrDefault(action => !action.Key.Attributes.Keys.Order(StringComparer.Ordinal).SequenceEqual(keyNames.Order(StringComparer.Ordinal))) is { } misfit)
        {
            return new Refusal(TargetErrorKind.Fatal, $"{target}: ValidationException: The provided key element does not match the schema ({misfit.Key})");
        }

        return actions.FirstOrDefault(action => action.Kind == WriteKind.Put && ItemSize.Of(action.Item) > ReplicationOptions.MaxItemSizeBytes) is { } huge
            ? new Refusal(TargetErrorKind.Poison, $"{target}: ValidationException: Item size has exceeded the maximum allowed size ({huge.Key})")
            : null;
    }
}
