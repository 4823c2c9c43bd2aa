using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Replicator.Lambda;

/// <summary>The host's own log lines: one JSON object a line, as CloudWatch Logs reads them, beside the engine's report lines.</summary>
internal static class HostLog
{
    /// <summary>Log lines are read by people and by CloudWatch, never embedded in HTML: quotes in messages stay quotes.</summary>
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary><c>{"level":"error","message":…,"requestId":…,"errorType":…,"error":…,"exception":…}</c>; the exception (with its stack) only for the unexpected.</summary>
    public static string Error(string message, string? requestId, FunctionError error, Exception? exception = null) => Render(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("level", "error");
        writer.WriteString("message", message);
        if (requestId is not null)
        {
            writer.WriteString("requestId", requestId);
        }

        writer.WriteString("errorType", error.ErrorType);
        writer.WriteString("error", error.ErrorMessage);
        if (exception is not null)
        {
            writer.WriteString("exception", exception.ToString());
        }

        writer.WriteEndObject();
    });

    /// <summary>A line for a failure of the host itself (the runtime API), which has no invocation to blame.</summary>
    public static string Error(string message, Exception exception) => Render(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("level", "error");
        writer.WriteString("message", message);
        writer.WriteString("error", exception.Message);
        writer.WriteEndObject();
    });

    private static string Render(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
