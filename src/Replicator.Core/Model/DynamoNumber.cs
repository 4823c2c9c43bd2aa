using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Replicator.Model;

/// <summary>
/// DynamoDB numbers as text: syntax checks and a canonical spelling, without ever going
/// through <c>double</c> (DynamoDB keeps 38 significant digits).
/// </summary>
public static class DynamoNumber
{
    /// <summary>True when <paramref name="text"/> is a decimal number DynamoDB could accept: optional sign, digits with an optional point, optional exponent.</summary>
    public static bool IsValid(ReadOnlySpan<char> text)
    {
        // The syntax TryParse accepts, checked without building its digits: the parser calls
        // this for every number of every image, so it must not allocate.
        var i = 0;
        if (i < text.Length && (text[i] == '-' || text[i] == '+'))
        {
            i++;
        }

        var sawPoint = false;
        var digitCount = 0;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '.')
            {
                if (sawPoint)
                {
                    return false;
                }

                sawPoint = true;
            }
            else if (char.IsAsciiDigit(c))
            {
                digitCount++;
            }
            else
            {
                break;
            }
        }

        return digitCount > 0 && (i == text.Length || IsExponent(text[i..]));
    }

    /// <summary>
    /// <see cref="IsValid(ReadOnlySpan{char})"/> on the number's UTF-8 text as it lies in the event
    /// (an unescaped JSON string), so that checking an image's numbers builds no string.
    /// </summary>
    public static bool IsValid(ReadOnlySpan<byte> utf8)
    {
        var i = 0;
        if (i < utf8.Length && (utf8[i] == '-' || utf8[i] == '+'))
        {
            i++;
        }

        var sawPoint = false;
        var digitCount = 0;
        for (; i < utf8.Length; i++)
        {
            var c = utf8[i];
            if (c == '.')
            {
                if (sawPoint)
                {
                    return false;
                }

                sawPoint = true;
            }
            else if (char.IsAsciiDigit((char)c))
            {
                digitCount++;
            }
            else
            {
                break;
            }
        }

        return digitCount > 0 && (i == utf8.Length || IsExponent(utf8[i..]));
    }

    /// <summary>The byte form of <see cref="IsExponent(ReadOnlySpan{char})"/>: e or E, an optional sign, digits whose value fits a <see cref="long"/>.</summary>
    private static bool IsExponent(ReadOnlySpan<byte> utf8)
    {
        if (utf8[0] != 'e' && utf8[0] != 'E')
        {
            return false;
        }

        var i = 1;
        var negative = false;
        if (i < utf8.Length && (utf8[i] == '-' || utf8[i] == '+'))
        {
            negative = utf8[i] == '-';
            i++;
        }

        if (i == utf8.Length)
        {
            return false;
        }

        // Accumulated negatively, so long.MinValue fits as long.TryParse lets it.
        long value = 0;
        for (; i < utf8.Length; i++)
        {
            var digit = utf8[i] - '0';
            if ((uint)digit > 9 || value < (long.MinValue + digit) / 10)
            {
                return false;
            }

            value = (value * 10) - digit;
        }

        return negative || value != long.MinValue;
    }

    /// <summary>True for <c>e</c> or <c>E</c> followed by a signed integer that fits a <see cref="long"/>.</summary>
    private static bool IsExponent(ReadOnlySpan<char> text)
    {
        if (text[0] != 'e' && text[0] != 'E')
        {
            return false;
        }

        var exponentText = text[1..];
        return exponentText.Length > 0
            && long.TryParse(exponentText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
            && !exponentText.ContainsAny('.', ' ');
    }

    /// <summary>
    /// One spelling per value: <c>1000</c>, <c>1E+3</c>, <c>1.000e3</c> and <c>01000.0</c> all give <c>1E3</c>;
    /// zero, however signed or spelled, gives <c>0</c>. Text that is not a number comes back unchanged.
    /// </summary>
    public static string Canonical(string text)
    {
        // The significant digits are never more than the text's characters; a number DynamoDB
        // holds (38 digits, a sign, a point, an exponent) fits on the stack.
        const int OnStack = 64;
        char[]? rented = null;
        var digits = text.Length <= OnStack ? stackalloc char[OnStack] : (rented = ArrayPool<char>.Shared.Rent(text.Length));
        try
        {
            if (!TryParse(text, digits, out var negative, out var count, out var exponent))
            {
                return text;
            }

            if (count == 0)
            {
                return "0";
            }

            var result = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture, stackalloc char[OnStack + 24]);
            if (negative)
            {
                result.AppendLiteral("-");
            }

            result.AppendFormatted(digits[..1]);
            if (count > 1)
            {
                result.AppendLiteral(".");
                result.AppendFormatted(digits[1..count]);
            }

            // The value is 0.d1d2d3... x 10^exponent; scientific notation puts one digit before the point.
            result.AppendLiteral("E");
            result.AppendFormatted(exponent - 1);
            return result.ToStringAndClear();
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Splits a number into sign, significant digits (no leading or trailing zeros) and the exponent
    /// such that the value is <c>0.digits × 10^exponent</c>.
    /// </summary>
    private static bool TryParse(ReadOnlySpan<char> text, Span<char> significant, out bool negative, out int count, out long exponent)
    {
        negative = false;
        count = 0;
        exponent = 0;
        var i = 0;
        if (i < text.Length && (text[i] == '-' || text[i] == '+'))
        {
            negative = text[i] == '-';
            i++;
        }

        long pointPosition = -1;
        var digitCount = 0;
        var leadingZeros = 0;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '.')
            {
                if (pointPosition >= 0)
                {
                    return false;
                }

                pointPosition = digitCount;
            }
            else if (char.IsAsciiDigit(c))
            {
                if (c == '0' && count == 0)
                {
                    leadingZeros++;
                }
                else
                {
                    significant[count++] = c;
                }

                digitCount++;
            }
            else
            {
                break;
            }
        }

        if (digitCount == 0)
        {
            return false;
        }

        long written = 0;
        if (i < text.Length)
        {
            if (text[i] != 'e' && text[i] != 'E')
            {
                return false;
            }

            i++;
            var exponentText = text[i..];
            if (exponentText.Length == 0 || !long.TryParse(exponentText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out written))
            {
                return false;
            }

            if (exponentText.ContainsAny('.', ' '))
            {
                return false;
            }
        }

        if (pointPosition < 0)
        {
            pointPosition = digitCount;
        }

        count = significant[..count].TrimEnd('0').Length;
        if (count == 0)
        {
            negative = false;
            return true;
        }

        exponent = pointPosition - leadingZeros + written;
        return true;
    }
}
