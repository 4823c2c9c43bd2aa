using Replicator.Model;

namespace Replicator.Filtering;

/// <summary>
/// Parses a filter, a subset of DynamoDB's condition expressions with values written in place
/// (no <c>:placeholders</c>):
/// <code>
/// filter  := or
/// or      := and ( OR and )*
/// and     := unary ( AND unary )*
/// unary   := NOT unary | '(' or ')' | test
/// test    := path ( '=' | '&lt;&gt;' ) value
///          | begins_with '(' path ',' string ')'
///          | attribute_exists '(' path ')' | attribute_not_exists '(' path ')'
/// path    := name ( '.' name )*          name := letters, digits, _ | `any text`
/// value   := "string" | 'string' | number | true | false
/// </code>
/// Keywords are not case-sensitive; <c>exists</c> is short for <c>attribute_exists</c>. A
/// syntax error is a <see cref="FilterSyntaxException"/> naming the position and what was expected.
/// </summary>
public sealed class FilterParser
{
    /// <summary>Longer filters are refused: a filter is a few tests, and this bounds the parser's recursion.</summary>
    public const int MaxLength = 4096;

    private const int MaxDepth = 64;

    private readonly List<FilterToken> _tokens;
    private int _next;
    private int _depth;

    private FilterParser(List<FilterToken> tokens) => _tokens = tokens;

    public static ItemFilter Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxLength)
        {
            throw new FilterSyntaxException(MaxLength + 1, $"the filter is {text.Length} characters long; at most {MaxLength} are taken");
        }

        var parser = new FilterParser(FilterLexer.Tokens(text));
        if (parser.Peek.Kind == TokenKind.End)
        {
            throw new FilterSyntaxException(1, "the filter is empty; expected a test such as status = \"active\" or begins_with(pk, \"tenant#eu\")");
        }

        var filter = parser.Or();
        return parser.Peek.Kind == TokenKind.End
            ? filter
            : throw parser.Expected("and, or, or the end of the filter");
    }

    private FilterToken Peek => _tokens[_next];

    private FilterToken Take() => _tokens[_next++];

    private ItemFilter Or()
    {
        var left = And();
        while (Peek.Is("or"))
        {
            Take();
            left = new ItemFilter.Or(left, And());
        }

        return left;
    }

    private ItemFilter And()
    {
        var left = Unary();
        while (Peek.Is("and"))
        {
            Take();
            left = new ItemFilter.And(left, Unary());
        }

        return left;
    }

    private ItemFilter Unary()
    {
        if (++_depth > MaxDepth)
        {
            throw new FilterSyntaxException(Peek.Position, $"the filter nests deeper than {MaxDepth} levels");
        }

        try
        {
            if (Peek.Is("not"))
            {
                Take();
                return new ItemFilter.Not(Unary());
            }

            if (Peek.Kind == TokenKind.Open)
            {
                Take();
                var inner = Or();
                Expect(TokenKind.Close, "')' or and/or");
                return inner;
            }

            return Test();
        }
        finally
        {
            _depth--;
        }
    }

    private ItemFilter Test()
    {
        if (Peek.Kind != TokenKind.Name)
        {
            throw Expected("a test: an attribute name (then = or <>), begins_with(...), attribute_exists(...), attribute_not_exists(...), not, or '('");
        }

        if (_tokens[_next + 1].Kind == TokenKind.Open && !Peek.Quoted)
        {
            return Function();
        }

        if (Peek.Is("and") || Peek.Is("or"))
        {
            throw Expected("a test before the operator");
        }

        var path = Path();
        var op = Peek.Kind;
        if (op is not (TokenKind.Equal or TokenKind.NotEqual))
        {
            throw Expected($"= or <> after the attribute {path}");
        }

        Take();
        var equal = new ItemFilter.Equal(path, Value());
        return op == TokenKind.Equal ? equal : new ItemFilter.Not(equal);
    }

    private ItemFilter Function()
    {
        var name = Take();
        Take();
        ItemFilter result;
        if (name.Is("begins_with"))
        {
            var path = Path();
            Expect(TokenKind.Comma, $"',' after {path} in begins_with(path, \"prefix\")");
            var prefix = Expect(TokenKind.String, "a \"string\" prefix in begins_with(path, \"prefix\")");
            result = new ItemFilter.BeginsWith(path, prefix.Text);
        }
        else if (name.Is("attribute_exists") || name.Is("exists"))
        {
            result = new ItemFilter.Exists(Path());
        }
        else if (name.Is("attribute_not_exists"))
        {
            result = new ItemFilter.Not(new ItemFilter.Exists(Path()));
        }
        else
        {
            throw new FilterSyntaxException(name.Position, $"unknown function '{name.Text}'; expected begins_with, attribute_exists (or exists) or attribute_not_exists");
        }

        Expect(TokenKind.Close, $"')' to close {name.Text}(");
        return result;
    }

    private AttributePath Path()
    {
        var names = new List<string> { Expect(TokenKind.Name, "an attribute name").Text };
        while (Peek.Kind == TokenKind.Dot)
        {
            Take();
            names.Add(Expect(TokenKind.Name, "the name of a map field after '.'").Text);
        }

        return new AttributePath(names);
    }

    private DynamoValue Value()
    {
        var token = Peek;
        switch (token.Kind)
        {
            case TokenKind.String:
                Take();
                return DynamoValue.String(token.Text);
            case TokenKind.Number:
                Take();
                return DynamoValue.Number(token.Text);
            case TokenKind.Name when token.Is("true") || token.Is("false"):
                Take();
                return DynamoValue.Bool(token.Is("true"));
            default:
                throw Expected("a value: a \"string\", a number, true or false");
        }
    }

    private FilterToken Expect(TokenKind kind, string what) => Peek.Kind == kind ? Take() : throw Expected(what);

    private FilterSyntaxException Expected(string what) => new(Peek.Position, $"expected {what}, found {Peek.Shown}");
}
