using System.Text.Json;
using Replicator.Model;

namespace Replicator.Redrive;

/// <summary>Tells what a queue message is by its body (<see cref="Letter"/>); never throws for what a body holds.</summary>
public static class LetterReader
{
    public static Letter Read(string body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            return new Letter.Unrecognised($"the message is not JSON ({e.Message})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return new Letter.Unrecognised("the message is not a JSON object");
            }

            if (root.TryGetProperty("DDBStreamBatchInfo", out var batch))
            {
                return FailedBatch(root, batch);
            }

            if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String && root.TryGetProperty("target", out var target))
            {
                return DeadLetter(root, error.GetString()!, target);
            }

            return new Letter.Unrecognised("the message is neither a dead letter (error, target) nor an on-failure record (DDBStreamBatchInfo)");
        }
    }

    private static Letter DeadLetter(JsonElement root, string error, JsonElement target)
    {
        if (target.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
        {
            return new Letter.Unrecognised($"the dead letter's target is {target.ValueKind}, not a string or null");
        }

        var (key, problem) = KeyOf(root);
        return new Letter.DeadLetter(target.ValueKind == JsonValueKind.String ? target.GetString() : null, error, Text(root, "sequenceNumber"), key, problem);
    }

    private static (ItemKey? Key, string? Problem) KeyOf(JsonElement root)
    {
        if (root.TryGetProperty("truncated", out var truncated) && truncated.ValueKind == JsonValueKind.True)
        {
            // The record was too large for a message; the sink keeps its dynamodb.Keys where it could read them.
            return root.TryGetProperty("keys", out var keys) && keys.ValueKind == JsonValueKind.Object
                ? LetterKeys.ReadKeys(keys)
                : (null, "the letter is truncated (the record was too large for a message), so its key is not in it");
        }

        if (root.TryGetProperty("record", out var record))
        {
            return LetterKeys.Read(record);
        }

        if (Text(root, "recordBase64") is { } base64)
        {
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(base64);
            }
            catch (FormatException)
            {
                return (null, "recordBase64 is not base64");
            }

            var (key, problem) = LetterKeys.Read(bytes);
            return (key, problem is null ? null : $"the record (base64: {Text(root, "recordEncodingReason") ?? "not JSON text"}) has no readable key: {problem}");
        }

        return (null, "the letter holds no record");
    }

    private static Letter FailedBatch(JsonElement root, JsonElement batch)
    {
        if (batch.ValueKind != JsonValueKind.Object)
        {
            return new Letter.Unrecognised("DDBStreamBatchInfo is not an object");
        }

        var arn = Text(batch, "streamArn");
        var shard = Text(batch, "shardId");
        if (arn is null || shard is null)
        {
            return new Letter.Unrecognised("DDBStreamBatchInfo has no streamArn or shardId");
        }

        if (!SequenceNumber.TryParse(Text(batch, "startSequenceNumber"), out var start) || !SequenceNumber.TryParse(Text(batch, "endSequenceNumber"), out var end))
        {
            return new Letter.Unrecognised("DDBStreamBatchInfo's startSequenceNumber or endSequenceNumber is not a sequence number");
        }

        if (start.CompareTo(end) > 0)
        {
            return new Letter.Unrecognised($"DDBStreamBatchInfo's startSequenceNumber {start} is after its endSequenceNumber {end}");
        }

        var condition = root.TryGetProperty("requestContext", out var context) && context.ValueKind == JsonValueKind.Object ? Text(context, "condition") : null;
        return new Letter.FailedBatch(arn, shard, start, end, condition);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
