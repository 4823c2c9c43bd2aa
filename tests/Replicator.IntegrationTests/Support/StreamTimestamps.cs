using System.Text;
using System.Text.Json.Nodes;

namespace Replicator.IntegrationTests.Support;

/// <summary>
/// moto stamps stream records with milliseconds; AWS gives <c>ApproximateCreationDateTime</c> in
/// whole seconds, so that writes in one second cannot be ordered by it. A <see cref="FaultProxy"/>
/// in front of moto's Streams API with <see cref="WholeSeconds"/> as its answer hook makes the
/// replicator see what it sees on AWS.
/// </summary>
public static class StreamTimestamps
{
    /// <summary>A GetRecords answer with every record's ApproximateCreationDateTime floored to whole seconds; other answers unchanged.</summary>
    public static byte[] WholeSeconds(string operation, byte[] answer)
    {
        if (operation != "GetRecords")
        {
            return answer;
        }

        var response = JsonNode.Parse(answer)!.AsObject();
        foreach (var record in response["Records"]?.AsArray() ?? [])
        {
            if (record?["dynamodb"] is JsonObject change && change["ApproximateCreationDateTime"] is JsonValue time)
            {
                change["ApproximateCreationDateTime"] = (long)Math.Floor(time.GetValue<double>());
            }
        }

        return Encoding.UTF8.GetBytes(response.ToJsonString());
    }

}
