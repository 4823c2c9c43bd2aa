using System.Text.Json;

namespace Replicator.Aws.Http;

/// <summary>
/// The capacity an answer says its request consumed, asked for with
/// <c>"ReturnConsumedCapacity":"TOTAL"</c>: <c>"ConsumedCapacity":{"TableName":"t","CapacityUnits":128.5}</c>
/// (Scan) or a list of those (BatchGetItem, BatchWriteItem), summed. Null when the answer has none
/// (a service or emulator that does not report it): the budget then keeps its estimate.
/// </summary>
internal static class ConsumedCapacity
{
    public const string Request = "ReturnConsumedCapacity";

    public static double? Read(ReadOnlySpan<byte> answer)
    {
        var reader = new Utf8JsonReader(answer, new JsonReaderOptions { MaxDepth = 2 * ReplicationOptions.MaxNestingDepth + 16 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var wanted = reader.ValueTextEquals("ConsumedCapacity");
            reader.Read();
            if (!wanted)
            {
                reader.Skip();
                continue;
            }

            double? units = null;
            if (reader.TokenType == JsonTokenType.StartArray)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    units = (units ?? 0) + (Units(ref reader) ?? 0);
                }
            }
            else if (reader.TokenType == JsonTokenType.StartObject)
            {
                units = Units(ref reader);
            }

            return units;
        }

        return null;
    }

    /// <summary>One table's <c>{"TableName":…,"CapacityUnits":…}</c>; the reader ends on its closing brace.</summary>
    private static double? Units(ref Utf8JsonReader reader)
    {
        double? units = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var wanted = reader.ValueTextEquals("CapacityUnits");
            reader.Read();
            if (wanted && reader.TokenType == JsonTokenType.Number)
            {
                units = reader.GetDouble();
            }
            else
            {
                reader.Skip();
            }
        }

        return units;
    }
}
