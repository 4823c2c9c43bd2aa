using System.Text;
using Replicator.Model;
using Replicator.Parsing;

namespace Replicator.Tests.Fixtures;

/// <summary>Stream events for tests: the fixture files, and small records built in code.</summary>
internal static class Events
{
    public static byte[] File(string name) => System.IO.File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    public static ParsedBatch Parse(string json) => StreamEventParser.Parse(Encoding.UTF8.GetBytes(json));

    /// <summary>An event of the Lambda shape holding <paramref name="records"/> (each a JSON record object).</summary>
    public static string Event(params string[] records) => "{\"Records\":[" + string.Join(",", records) + "]}";

    /// <summary>A record on key <c>pk = key</c> whose new image carries <c>v = version</c>.</summary>
    public static string Record(string eventName, string key, long sequenceNumber, int? version = null, bool ttl = false, string viewType = "NEW_AND_OLD_IMAGES", long createdAt = 1700000000)
    {
        var keys = $$$"""{"pk":{"S":"{{{key}}}"}}""";
        var newImage = eventName == "REMOVE" || viewType is "KEYS_ONLY" or "OLD_IMAGE"
            ? ""
            : $$$""","NewImage":{"pk":{"S":"{{{key}}}"},"v":{"N":"{{{version ?? 0}}}"}}""";
        var identity = ttl ? """ "userIdentity":{"type":"Service","principalId":"dynamodb.amazonaws.com"},""" : "";
        return $$$"""{"eventID":"e{{{sequenceNumber}}}","eventName":"{{{eventName}}}","eventSource":"aws:dynamodb","awsRegion":"us-east-1",{{{identity}}}"dynamodb":{"ApproximateCreationDateTime":{{{createdAt}}},"Keys":{{{keys}}}{{{newImage}}},"SequenceNumber":"{{{sequenceNumber}}}","SizeBytes":40,"StreamViewType":"{{{viewType}}}"}}""";
    }

    public static Dictionary<string, DynamoValue> Item(string key, int version) => new()
    {
        ["pk"] = DynamoValue.String(key),
        ["v"] = DynamoValue.Number(version.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    };
}
