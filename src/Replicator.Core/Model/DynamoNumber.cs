using System.Text;

namespace Replicator.Model;

/// <summary>
/// DynamoDB numbers as text: syntax checks and a canonical spelling, without ever going
/// through <c>double</c> (DynamoDB keeps 38 significant digits).
/// </summary>
public static class DynamoNumber
{
    /// <summary>True when <paramref name="text"/> is a decimal number DynamoDB could accept: optional sign, digits with an optional point, optional exponent.</summary>
    public static bool IsValid(ReadOnlySpan<char> text) => TryParse(text, out _, out _, out _);

    /// <summary>
    /// One spelling per value: <c>1000</c>, <c>1E+3</c>, <c>1.000e3</c> and <c>01000.0</c> all give <c>1E3</c>;
    /// zero, however signed or spelled, gives <c>0</c>. Text that is not a number comes back unchanged.
    /// </summary>
    public static string Canonical(string text)
    {
        if (!TryParse(text, out var negative, out var digits, out var exponent))
        {
            return text;
        }

        if (digits.Length == 0)
        {
            return "0";
        }

        var result = new StringBuilder(digits.Length + 8);
        if (negative)
        {
            result.Append('-');
        }

        result.Append(digits[0]);
        if (digits.Length > 1)
        {
            result.Append('.').Append(digits, 1, digits.Length - 1);
        }

        // The value is 0.d1d2d3... x 10^exponent; scientific notation puts one digit before the point.
        return result.Append('E').Append(exponent - 1).ToString();
    }

    /// <summary>
    /// Splits a number into sign, significant digits (no leading or trailing zeros) and the exponent
    /// such that the value is <c>0.digits × 10^exponent</c>.
    /// </summary>
    private static bool TryParse(ReadOnlySpan<char> text, out bool negative, out string digits, out long exponent)
    {
        negative = false;
        digits = "";
        exponent = 0;
        var i = 0;
        if (i < text.Length && (text[i] == '-' || text[i] == '+'))
        {
            negative = text[i] == '-';
            i++;
        }

        var significant = new StringBuilder();
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
                if (c == '0' && significant.Length == 0)
                {
                    leadingZeros++;
                }
                else
                {
                    significant.Append(c);
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
            if (exponentText.Length == 0 || !long.TryParse(exponentText, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out written))
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

        var trimmed = significant.ToString().TrimEnd('0');
        if (trimmed.Length == 0)
        {
            negative = false;
            return true;
        }

        digits = trimmed;
        exponent = pointPosition - leadingZeros + written;
        return true;
    }
}
