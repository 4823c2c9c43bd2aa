using System.Globalization;
using Replicator.Model;

namespace Replicator.MultiActive;

/// <summary>How a <see cref="Conflict"/> is stored in a region's conflict table, and read back to be listed.</summary>
public static class ConflictItems
{
    public const string IdAttribute = "id";
    public const string KeyAttribute = "key";
    public const string DetectedAtAttribute = "detectedAt";
    public const string DetectedInAttribute = "detectedIn";
    public const string WinnerAttribute = "winner";
    public const string LoserAttribute = "loser";

    /// <summary>The TTL attribute (epoch seconds).</summary>
    public const string ExpiresAttribute = "expires";

    private const string VersionField = "version";
    private const string OriginField = "origin";
    private const string DeleteField = "delete";
    private const string ImageField = "image";
    private const string OmittedField = "imageOmittedBytes";

    /// <summary>Two images of up to 400 KB would not fit in one item: an image larger than this is left out, and its size said.</summary>
    public const int MaxImageBytes = 150 * 1024;

    public static ItemKey KeyOf(Conflict conflict) => new(new Dictionary<string, DynamoValue> { [IdAttribute] = DynamoValue.String(conflict.Id) });

    public static IReadOnlyDictionary<string, DynamoValue> ToItem(Conflict conflict, TimeSpan retention) => new Dictionary<string, DynamoValue>
    {
        [IdAttribute] = DynamoValue.String(conflict.Id),
        [KeyAttribute] = DynamoValue.Map(conflict.Key.Attributes),
        [DetectedAtAttribute] = DynamoValue.String(conflict.DetectedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)),
        [DetectedInAttribute] = DynamoValue.String(conflict.DetectedIn),
        [WinnerAttribute] = Side(conflict.Winner),
        [LoserAttribute] = Side(conflict.Loser),
        [ExpiresAttribute] = DynamoValue.Number((conflict.DetectedAt + retention).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
    };

    private static DynamoValue Side(ConflictSide side)
    {
        var map = new Dictionary<string, DynamoValue>
        {
            [VersionField] = DynamoValue.String(side.Version.Text),
            [OriginField] = DynamoValue.String(side.Origin),
            [DeleteField] = DynamoValue.Bool(side.IsDelete),
        };
        if (side.Image is { } image)
        {
            var size = DynamoJson.ToJson(image).Length;
            map[size <= MaxImageBytes ? ImageField : OmittedField] = size <= MaxImageBytes ? DynamoValue.Map(image) : DynamoValue.Number(size.ToString(CultureInfo.InvariantCulture));
        }

        return DynamoValue.Map(map);
    }

    /// <summary>A stored conflict as listed, or null if the item does not read as one.</summary>
    public static StoredConflict? FromItem(IReadOnlyDictionary<string, DynamoValue> item)
    {
        if (!TryString(item, IdAttribute, out var id) || !item.TryGetValue(KeyAttribute, out var key) || key.Type != DynamoType.M
            || !TryString(item, DetectedAtAttribute, out var at) || !DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var detectedAt)
            || !TryString(item, DetectedInAttribute, out var detectedIn)
            || ReadSide(item.GetValueOrDefault(WinnerAttribute)) is not { } winner || ReadSide(item.GetValueOrDefault(LoserAttribute)) is not { } loser)
        {
            return null;
        }

        return new StoredConflict(id!, new ItemKey(key.AsMap()), winner, loser, detectedIn!, detectedAt);
    }

    private static StoredSide? ReadSide(DynamoValue? value)
    {
        if (value is not { Type: DynamoType.M } || !TryString(value.AsMap(), VersionField, out var text) || !ItemVersion.TryParse(text, out var version))
        {
            return null;
        }

        var map = value.AsMap();
        var image = map.TryGetValue(ImageField, out var stored) && stored.Type == DynamoType.M ? stored.AsMap() : null;
        var omitted = map.TryGetValue(OmittedField, out var size) && size.Type == DynamoType.N ? long.Parse(size.AsNumber(), CultureInfo.InvariantCulture) : (long?)null;
        var isDelete = map.TryGetValue(DeleteField, out var delete) && delete.Type == DynamoType.BOOL && delete.AsBool();
        return new StoredSide(version, isDelete, image, omitted);
    }

    private static bool TryString(IReadOnlyDictionary<string, DynamoValue> map, string name, out string? text)
    {
        text = map.TryGetValue(name, out var value) && value.Type == DynamoType.S ? value.AsString() : null;
        return text is not null;
    }
}

/// <summary>One side of a listed conflict: the image may have been left out for its size (<see cref="ImageOmittedBytes"/>).</summary>
public sealed record StoredSide(ItemVersion Version, bool IsDelete, IReadOnlyDictionary<string, DynamoValue>? Image, long? ImageOmittedBytes)
{
    public string Origin => Version.Region;
}

/// <summary>A conflict as read back from a conflict table.</summary>
public sealed record StoredConflict(string Id, ItemKey Key, StoredSide Winner, StoredSide Loser, string DetectedIn, DateTimeOffset DetectedAt);
