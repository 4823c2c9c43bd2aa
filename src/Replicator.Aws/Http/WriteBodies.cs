using System.Text.Encodings.Web;
using System.Text.Json;
using Replicator.Model;
using Replicator.Planning;

namespace Replicator.Aws.Http;

/// <summary>
/// The bodies of BatchWriteItem, PutItem and DeleteItem, written straight into a pooled buffer. An
/// item that is a <see cref="RawImage"/> is copied in as the bytes the stream sent (DynamoDB JSON is
/// the wire format of a request's item); any other (a backfill's copy, a delete's key) is written
/// from its values with <see cref="DynamoJson.WriteItem"/>.
/// </summary>
internal static class WriteBodies
{
    /// <summary>
    /// Strings are escaped only where JSON requires it: the body goes to DynamoDB, never into HTML,
    /// so the default encoder's escaping of <c>+</c>, <c>&lt;</c> and every non-ASCII character would
    /// only make it longer.
    /// </summary>
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Room for a write request's envelope, <c>{"PutRequest":{"Item":…}}</c>, beside its item.</summary>
    private const int EnvelopeBytes = 32;

    /// <summary>A guess at the size of an item written from its values, for the first buffer (it grows when short).</summary>
    private const int ValuesItemBytes = 512;

    /// <summary><c>{"RequestItems":{"table":[{"PutRequest":{"Item":…}},{"DeleteRequest":{"Key":…}}]}}</c></summary>
    public static PooledBuffer BatchWriteItem(string tableName, IReadOnlyList<WriteAction> actions, bool reportCapacity = false)
    {
        var size = 64 + tableName.Length;
        foreach (var action in actions)
        {
            size += EnvelopeBytes + (action.Item is RawImage raw ? raw.Json.Length : ValuesItemBytes);
        }

        return Write(size, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("RequestItems");
            writer.WriteStartArray(tableName);
            foreach (var action in actions)
            {
                writer.WriteStartObject();
                writer.WriteStartObject(action.Kind == WriteKind.Put ? "PutRequest" : "DeleteRequest");
                writer.WritePropertyName(action.Kind == WriteKind.Put ? "Item" : "Key");
                Attributes(writer, action.Item);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            ScanBodies.ReportCapacity(writer, reportCapacity);
            writer.WriteEndObject();
        });
    }

    /// <summary><c>{"TableName":"table","Item":…}</c> for a put, <c>{"TableName":"table","Key":…}</c> for a delete.</summary>
    public static PooledBuffer WriteItem(string tableName, WriteAction action) =>
        Write(64 + tableName.Length + (action.Item is RawImage raw ? raw.Json.Length : ValuesItemBytes), writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("TableName", tableName);
            writer.WritePropertyName(action.Kind == WriteKind.Put ? "Item" : "Key");
            Attributes(writer, action.Item);
            writer.WriteEndObject();
        });

    internal static PooledBuffer Write(int sizeHint, Action<Utf8JsonWriter> write)
    {
        var buffer = new PooledBuffer(sizeHint);
        try
        {
            using var writer = new Utf8JsonWriter(buffer, Options);
            write(writer);
            writer.Flush();
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// An item or key: a raw image's bytes as they are (their syntax was checked when the record was
    /// parsed), else the values as DynamoDB JSON.
    /// </summary>
    internal static void Attributes(Utf8JsonWriter writer, IReadOnlyDictionary<string, DynamoValue> item)
    {
        if (item is RawImage raw)
        {
            writer.WriteRawValue(raw.Json.Span, skipInputValidation: true);
        }
        else
        {
            DynamoJson.WriteItem(writer, item);
        }
    }
}
