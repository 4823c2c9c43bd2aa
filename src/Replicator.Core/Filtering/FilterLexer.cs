using System.Globalization;
using System.Text;
using Replicator.Model;

namespace Replicator.Filtering;

/// <summary>Splits a filter into tokens; an unknown character or an unclosed string fails with its position.</summary>
internal static class FilterLexer
{
    public static List<FilterToken> Tokens(string text)
    {
        var tokens = new List<FilterToken>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i == text.Length)
            {
                tokens.Add(new FilterToken(TokenKind.End, "", i + 1));
                return tokens;
            }

            var start = i;
            var c = text[i];
            switch (c)
            {
                case '(':
                    tokens.Add(new FilterToken(TokenKind.Open, "(", start + 1));
                    i++;
                    break;
                case ')':
                    tokens.Add(new FilterToken(TokenKind.Close, ")", start + 1));
                    i++;
                    break;
                case ',':
                    tokens.Add(new FilterToken(TokenKind.Comma, ",", start + 1));
                    i++;
                    break;
                case '.':
                    tokens.Add(new FilterToken(TokenKind.Dot, ".", start + 1));
                    i++;
                    break;
                case '=':
                    tokens.Add(new FilterToken(TokenKind.Equal, "=", start + 1));
                    i++;
                    break;
                case '<' when At(text, i + 1) == '>':
                    tokens.Add(new FilterToken(TokenKind.NotEqual, "<>", start + 1));
                    i += 2;
                    break;
                case '!' when At(text, i + 1) == '=':
                    tokens.Add(new FilterToken(TokenKind.NotEqual, "!=", start + 1));
                    i += 2;
                    break;
                case '"' or '\'':
                    tokens.Add(new FilterToken(TokenKind.String, String(text, ref i), start + 1));
                    break;
                case '`':
                    var close = text.IndexOf('`', i + 1);
                    if (close < 0)
                    {
                        throw new FilterSyntaxException(start + 1, "this `quoted name` has no closing `");
                    }

                    if (close == i + 1)
                    {
                        throw new FilterSyntaxException(start + 1, "expected an attribute name between the backticks, found ``");
                    }

                    tokens.Add(new FilterToken(TokenKind.Name, text[(i + 1)..close], start + 1, Quoted: true));
                    i = close + 1;
                    break;
                case '-' or (>= '0' and <= '9'):
                    i++;
                    while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] is '.' or 'e' or 'E' or '+' || (text[i] == '-' && text[i - 1] is 'e' or 'E')))
                    {
                        i++;
                    }

                    var number = text[start..i];
                    if (!DynamoNumber.IsValid(number))
                    {
                        throw new FilterSyntaxException(start + 1, $"'{number}' is not a number (e.g. 42, -1.5, 1E3)");
                    }

                    tokens.Add(new FilterToken(TokenKind.Number, number, start + 1));
                    break;
                default:
                    if (!IsNameStart(c))
                    {
                        throw new FilterSyntaxException(start + 1, $"unexpected character '{c}'; expected an attribute name, a \"string\", a number, = or <>, begins_with(...), attribute_exists(...), and, or, not, or parentheses");
                    }

                    while (i < text.Length && IsNamePart(text[i]))
                    {
                        i++;
                    }

                    tokens.Add(new FilterToken(TokenKind.Name, text[start..i], start + 1));
                    break;
            }
        }
    }

    /// <summary>A name that needs no backticks: a letter or '_', then letters, digits and '_'.</summary>
    public static bool IsPlainName(string name) => name.Length > 0 && IsNameStart(name[0]) && name.All(IsNamePart);

    /// <summary>A value written as the filter takes it, so a filter prints as text that parses back.</summary>
    public static string Literal(DynamoValue value) => value.Type switch
    {
        DynamoType.S => "\"" + value.AsString().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"",
        DynamoType.N => value.AsNumber(),
        DynamoType.BOOL => value.AsBool() ? "true" : "false",
        _ => value.ToString(),
    };

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsNamePart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static char At(string text, int i) => i < text.Length ? text[i] : '\0';

    /// <summary>A string in double or single quotes; a backslash escapes the next character.</summary>
    private static string String(string text, ref int i)
    {
        var quote = text[i];
        var start = i;
        var value = new StringBuilder();
        i++;
        while (i < text.Length && text[i] != quote)
        {
            if (text[i] == '\\')
            {
                i++;
                if (i == text.Length)
                {
                    break;
                }
            }

            value.Append(text[i]);
            i++;
        }

        if (i == text.Length)
        {
            throw new FilterSyntaxException(start + 1, string.Create(CultureInfo.InvariantCulture, $"this string has no closing {quote}"));
        }

        i++;
        return value.ToString();
    }
}
