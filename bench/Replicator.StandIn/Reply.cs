using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Replicator.StandIn;

/// <summary>An answer in a rented buffer: its HTTP status and JSON body. The caller writes it out and disposes of it.</summary>
internal sealed class Reply : IDisposable
{
    private byte[] _buffer;

    private Reply(int status, int capacity)
    {
        Status = status;
        _buffer = ArrayPool<byte>.Shared.Rent(capacity);
    }

    public int Status { get; }

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> Body => _buffer.AsMemory(0, Length);

    /// <summary>A 200 whose body <paramref name="write"/> puts into the span it is given (at least <paramref name="capacity"/> bytes) and returns the length of.</summary>
    public static Reply Ok(int capacity, SpanWriter write)
    {
        var reply = new Reply(200, capacity);
        reply.Length = write(reply._buffer);
        return reply;
    }

    public static Reply Json(Action<Utf8JsonWriter> write, int status = 200)
    {
        var output = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(output))
        {
            write(writer);
        }

        var reply = new Reply(status, output.WrittenCount);
        output.WrittenSpan.CopyTo(reply._buffer);
        reply.Length = output.WrittenCount;
        return reply;
    }

    public static Reply Text(string json, int status = 200)
    {
        var reply = new Reply(status, Encoding.UTF8.GetMaxByteCount(json.Length));
        reply.Length = Encoding.UTF8.GetBytes(json, reply._buffer);
        return reply;
    }

    /// <summary>An error in DynamoDB's JSON protocol shape: <c>{"__type":"com.amazonaws.dynamodb.v20120810#Code","message":"…"}</c>.</summary>
    public static Reply Error(string code, string message, int status = 400) =>
        Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("__type", $"com.amazonaws.dynamodb.v20120810#{code}");
            writer.WriteString("message", message);
            writer.WriteEndObject();
        }, status);

    public static Reply Throttled() => Error("ProvisionedThroughputExceededException", "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.");

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }
}

internal delegate int SpanWriter(Span<byte> into);
