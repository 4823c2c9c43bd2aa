namespace Replicator.Filtering;

internal enum TokenKind : byte { Name, String, Number, Open, Close, Comma, Dot, Equal, NotEqual, End }

/// <summary>One token of a filter: its kind, its text (a string's unescaped, a quoted name's unquoted), and where it starts (1-based).</summary>
internal readonly record struct FilterToken(TokenKind Kind, string Text, int Position, bool Quoted = false)
{
    /// <summary>An unquoted name spelled as <paramref name="keyword"/> (keywords are not case-sensitive, as in DynamoDB's expressions).</summary>
    public bool Is(string keyword) => Kind == TokenKind.Name && !Quoted && string.Equals(Text, keyword, StringComparison.OrdinalIgnoreCase);

    /// <summary>How an error message shows what was found.</summary>
    public string Shown => Kind switch
    {
        TokenKind.End => "the end of the filter",
        TokenKind.String => $"the string \"{Text}\"",
        TokenKind.Name when Quoted => $"`{Text}`",
        _ => $"'{Text}'",
    };
}
