using System.Text.RegularExpressions;

namespace Replicator.Aws.Credentials;

/// <summary>
/// An IAM role to assume for a target's requests (STS AssumeRole): its ARN, the external id its
/// trust policy may ask for, and the session name that shows in the target account's CloudTrail
/// (<see cref="DefaultSessionName"/> when not given). Two targets behind the same role, external id
/// and session name share one set of credentials.
/// </summary>
public sealed partial record AssumedRole(string RoleArn, string? ExternalId = null, string? SessionName = null)
{
    public const string DefaultSessionName = "replicator";

    /// <summary>The form a role ARN takes, for error messages.</summary>
    public const string ArnForm = "arn:aws:iam::ACCOUNT:role/NAME (ACCOUNT being 12 digits)";

    /// <summary>The session name sent to STS.</summary>
    public string Session => SessionName ?? DefaultSessionName;

    /// <summary>The account the role is in (the ARN's fifth field).</summary>
    public string Account => RoleArn.Split(':')[4];

    /// <summary>A role ARN (partition, 12-digit account, <c>role/</c> with an optional path), else a message saying what is wrong.</summary>
    public static string? CheckArn(string text) =>
        RoleArnPattern().IsMatch(text) ? null : $"'{text}' is not an IAM role ARN such as {ArnForm}";

    /// <summary>An external id as STS takes it (2 to 1,224 of letters, digits and <c>+=,.@:/-_</c>), else a message.</summary>
    public static string? CheckExternalId(string text) =>
        ExternalIdPattern().IsMatch(text) ? null : $"'{text}' is not an external id (2 to 1224 characters of letters, digits and _+=,.@:/-)";

    /// <summary>A session name as STS takes it (2 to 64 of letters, digits and <c>+=,.@-_</c>), else a message.</summary>
    public static string? CheckSessionName(string text) =>
        SessionNamePattern().IsMatch(text) ? null : $"'{text}' is not a role session name (2 to 64 characters of letters, digits and _+=,.@-)";

    /// <summary>A session name made from <paramref name="text"/> (a function name, say): characters STS refuses dropped, cut to 64; the default when too little is left.</summary>
    public static string SessionNameFrom(string? text)
    {
        var kept = new string((text ?? "").Where(c => char.IsAsciiLetterOrDigit(c) || "_+=,.@-".Contains(c)).Take(64).ToArray());
        return kept.Length >= 2 ? kept : DefaultSessionName;
    }

    public override string ToString() => RoleArn;

    [GeneratedRegex(@"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$")]
    private static partial Regex RoleArnPattern();

    [GeneratedRegex(@"^[\w+=,.@:/-]{2,1224}$")]
    private static partial Regex ExternalIdPattern();

    [GeneratedRegex(@"^[\w+=,.@-]{2,64}$")]
    private static partial Regex SessionNamePattern();
}
