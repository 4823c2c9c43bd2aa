namespace Replicator.Applying;

/// <summary>
/// A table named without ambiguity, as its ARN names it: partition, account, region and name.
/// Two spellings of a target (<c>region:table</c> and its ARN) are the same table exactly when
/// their identities are equal; a name alone is not enough, since another account may hold a
/// table of the same name in the same region.
/// </summary>
public sealed record TableIdentity(string Partition, string Account, string Region, string Name)
{
    /// <summary>The table of a table ARN or of a stream ARN (<c>…:table/NAME/stream/LABEL</c>); null if it is neither.</summary>
    public static TableIdentity? FromArn(string? arn)
    {
        // arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME[/stream/LABEL]
        var parts = arn?.Split(':', 6);
        if (parts is not ["arn", { Length: > 0 } partition, "dynamodb", { Length: > 0 } region, { Length: > 0 } account, var resource]
            || !resource.StartsWith("table/", StringComparison.Ordinal))
        {
            return null;
        }

        var name = resource["table/".Length..];
        var stream = name.IndexOf("/stream/", StringComparison.Ordinal);
        name = stream >= 0 ? name[..stream] : name;
        return name.Length == 0 || name.Contains('/', StringComparison.Ordinal) ? null : new TableIdentity(partition, account, region, name);
    }

    public override string ToString() => $"arn:{Partition}:dynamodb:{Region}:{Account}:table/{Name}";
}
