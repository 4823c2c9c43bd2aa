using Replicator.Model;

namespace Replicator.MultiActive;

/// <summary>
/// The latest version from each region that a write had seen when it was made (a version
/// vector, one entry per region). LWW needs only the version; this is what tells a conflict
/// from an overwrite: a write that loses to one that had seen it was overwritten, one that
/// loses to a write that had not seen it lost a conflict.
/// </summary>
public sealed class SeenVersions : IEquatable<SeenVersions>
{
    public static SeenVersions None { get; } = new(new SortedDictionary<string, ItemVersion>(StringComparer.Ordinal));

    private readonly SortedDictionary<string, ItemVersion> _latest;

    private SeenVersions(SortedDictionary<string, ItemVersion> latest) => _latest = latest;

    public IReadOnlyDictionary<string, ItemVersion> ByRegion => _latest;

    public static SeenVersions Of(IEnumerable<ItemVersion> versions) => versions.Aggregate(None, (seen, version) => seen.With(version));

    /// <summary>These, and <paramref name="version"/>.</summary>
    public SeenVersions With(ItemVersion version)
    {
        if (Covers(version))
        {
            return this;
        }

        var latest = new SortedDictionary<string, ItemVersion>(_latest, StringComparer.Ordinal) { [version.Region] = version };
        return new SeenVersions(latest);
    }

    /// <summary>Everything either has seen.</summary>
    public SeenVersions Merge(SeenVersions? other) =>
        other is null ? this : other._latest.Values.Aggregate(this, (seen, version) => seen.With(version));

    /// <summary>True when a write with these had seen <paramref name="version"/> (or a later write from its region).</summary>
    public bool Covers(ItemVersion version) =>
        _latest.TryGetValue(version.Region, out var latest) && latest >= version;

    /// <summary>As stored: a map of region to version text.</summary>
    public DynamoValue ToValue() =>
        DynamoValue.Map(_latest.ToDictionary(pair => pair.Key, pair => DynamoValue.String(pair.Value.Text), StringComparer.Ordinal));

    /// <summary>Reads a stored map (entries that are not versions are passed over), with <paramref name="own"/>, the version it belongs to.</summary>
    public static SeenVersions Read(DynamoValue? value, ItemVersion own)
    {
        var seen = None.With(own);
        if (value is { Type: DynamoType.M })
        {
            foreach (var entry in value.AsMap().Values)
            {
                if (entry.Type == DynamoType.S && ItemVersion.TryParse(entry.AsString(), out var version))
                {
                    seen = seen.With(version);
                }
            }
        }

        return seen;
    }

    public bool Equals(SeenVersions? other) =>
        other is not null && _latest.Count == other._latest.Count && _latest.All(pair => other._latest.TryGetValue(pair.Key, out var version) && version == pair.Value);

    public override bool Equals(object? obj) => Equals(obj as SeenVersions);

    public override int GetHashCode() => _latest.Count;

    public override string ToString() => string.Join(", ", _latest.Values);
}
