using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Replicator.Aws;

/// <summary>
/// What an SQS message body can carry. SendMessage takes only the characters XML 1.0 allows
/// (<c>#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF</c>), and refuses a
/// message with any other (InvalidMessageContents; older documentation says it replaces them with
/// U+FFFD: lost either way). A record's bytes, when it is malformed, can be anything.
/// </summary>
internal static class SqsMessageText
{
    /// <summary>
    /// Why the record cannot go into a letter as it is, as JSON text (null when it can): not valid
    /// UTF-8, a character SQS does not take, or not one JSON value.
    /// </summary>
    public static string? WhyNotAsJson(ReadOnlySpan<byte> record)
    {
        for (var at = 0; at < record.Length;)
        {
            if (Rune.DecodeFromUtf8(record[at..], out var rune, out var length) != System.Buffers.OperationStatus.Done)
            {
                return $"the record is not valid UTF-8 (at byte {at.ToString(CultureInfo.InvariantCulture)})";
            }

            if (!IsAllowed(rune.Value))
            {
                return $"the record holds U+{rune.Value.ToString("X4", CultureInfo.InvariantCulture)} (at byte {at.ToString(CultureInfo.InvariantCulture)}), which SQS does not take in a message body";
            }

            at += length;
        }

        try
        {
            var reader = new Utf8JsonReader(record);
            if (!reader.Read())
            {
                return "the record is empty";
            }

            reader.Skip();
            return reader.Read() ? "the record is not one JSON value" : null;
        }
        catch (JsonException e)
        {
            return $"the record is not JSON ({e.Message})";
        }
    }

    /// <summary>A character SQS takes in a message body (the XML 1.0 <c>Char</c> production).</summary>
    public static bool IsAllowed(int codePoint) =>
        codePoint is 0x9 or 0xA or 0xD or (>= 0x20 and <= 0xD7FF) or (>= 0xE000 and <= 0xFFFD) or (>= 0x10000 and <= 0x10FFFF);
}
