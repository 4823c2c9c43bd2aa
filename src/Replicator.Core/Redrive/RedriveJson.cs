using System.Text.Json;
using Replicator.Model;
using Replicator.Planning;

namespace Replicator.Redrive;

/// <summary>A redrive's report as one JSON document (<c>replicator redrive --output json</c>), for scripts.</summary>
public static class RedriveJson
{
    public static string Render(RedriveReport report) => JsonText.Render(writer =>
    {
        writer.WriteStartObject();
        writer.WriteBoolean("dryRun", report.DryRun);
        writer.WriteNumber("lettersRead", report.LettersRead);
        writer.WriteNumber(report.DryRun ? "wouldRedrive" : "redriven", report.Redriven);
        writer.WriteNumber("kept", report.Kept.Count);
        writer.WriteStartObject("keptByReason");
        foreach (var (reason, count) in report.KeptByReason)
        {
            writer.WriteNumber(KeptReasons.Name(reason), count);
        }

        writer.WriteEndObject();
        writer.WriteStartArray("targets");
        foreach (var target in report.Targets)
        {
            writer.WriteStartObject();
            writer.WriteString("target", target.Target.ToString());
            writer.WriteNumber("written", target.Written);
            writer.WriteNumber("deleted", target.Deleted);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("keptLetters");
        foreach (var letter in report.Kept)
        {
            writer.WriteStartObject();
            writer.WriteString("messageId", letter.MessageId);
            writer.WriteString("reason", KeptReasons.Name(letter.Reason));
            writer.WriteString("detail", letter.Detail);
            writer.WriteStartArray("keys");
            foreach (var key in letter.Keys)
            {
                DynamoJson.WriteItem(writer, key.Attributes);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (report.DryRun)
        {
            writer.WriteStartArray("wouldWrite");
            foreach (var write in report.Planned)
            {
                writer.WriteStartObject();
                writer.WriteString("target", write.Target.ToString());
                writer.WritePropertyName("key");
                DynamoJson.WriteItem(writer, write.Key.Attributes);
                writer.WriteString("write", write.Kind == WriteKind.Put ? "put" : "delete");
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    });
}
