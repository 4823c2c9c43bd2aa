using System.Text.Json;

namespace Replicator.Aws.Http;

/// <summary>Reads the error body of the AWS JSON protocols: <c>{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"…"}</c>.</summary>
internal static class JsonError
{
    /// <summary>The error's type and message (<c>message</c>, or <c>Message</c> as some services spell it); nulls for a body that is not such an object.</summary>
    public static (string? Type, string? Message) Read(ReadOnlySpan<byte> body)
    {
        string? type = null;
        string? message = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return (null, null);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isType = reader.ValueTextEquals("__type");
                var isMessage = reader.ValueTextEquals("message") || reader.ValueTextEquals("Message");
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && (isType || isMessage))
                {
                    if (isType)
                    {
                        type = reader.GetString();
                    }
                    else
                    {
                        message ??= reader.GetString();
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // Whatever was read before the body stopped being JSON is kept.
        }

        return (type, message);
    }
}
