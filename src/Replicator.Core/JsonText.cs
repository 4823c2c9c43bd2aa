using System.Text;
using System.Text.Json;

namespace Replicator;

/// <summary>Writes JSON text with a <see cref="Utf8JsonWriter"/>: no reflection, safe for Native AOT.</summary>
public static class JsonText
{
    public static string Render(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
