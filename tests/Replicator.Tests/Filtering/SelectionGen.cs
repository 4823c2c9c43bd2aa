using CsCheck;
using Replicator.Filtering;
using Replicator.Model;
using Item = System.Collections.Generic.IReadOnlyDictionary<string, Replicator.Model.DynamoValue>;

namespace Replicator.Tests.Filtering;

/// <summary>
/// Generators for the filtering properties: items on few keys whose attributes take few values
/// (so that random filters match some and not others, and a change moves an item across a filter
/// often), random filters over those attributes, and random projections.
/// </summary>
internal static class SelectionGen
{
    /// <summary>The keys: two under "eu#", two under "us#", so a key prefix splits them.</summary>
    public static readonly string[] Keys = ["eu#0", "eu#1", "us#2", "us#3"];

    private static readonly string[] Attributes = ["status", "n", "flag", "note", "address"];

    private static Gen<DynamoValue?> Maybe(params DynamoValue[] values) =>
        Gen.Int[0, values.Length].Select(i => i == values.Length ? null : values[i]);

    private static DynamoValue City(string city) => DynamoValue.Map(new Dictionary<string, DynamoValue> { ["city"] = DynamoValue.String(city) });

    /// <summary>An item on key <c>Keys[key]</c>; a number is spelled two ways ("1" and "1.0") and a string "1" is not a number.</summary>
    public static Gen<Item> Item(int key) =>
        Gen.Select(
            Maybe(DynamoValue.String("active"), DynamoValue.String("inactive"), DynamoValue.Number("1")),
            Maybe(DynamoValue.Number("1"), DynamoValue.Number("1.0"), DynamoValue.Number("2"), DynamoValue.String("1")),
            Maybe(DynamoValue.True, DynamoValue.False),
            Maybe(DynamoValue.String("x"), DynamoValue.Null),
            Maybe(City("Paris"), City("Rome"), DynamoValue.String("Paris")),
            (status, n, flag, note, address) =>
            {
                var item = new Dictionary<string, DynamoValue>(StringComparer.Ordinal) { ["pk"] = DynamoValue.String(Keys[key]) };
                foreach (var (name, value) in new[] { ("status", status), ("n", n), ("flag", flag), ("note", note), ("address", address) })
                {
                    if (value is not null)
                    {
                        item[name] = value;
                    }
                }

                return (Item)item;
            });

    private static AttributePath Path(params string[] names) => new(names);

    private static readonly ItemFilter[] Atoms =
    [
        new ItemFilter.Equal(Path("status"), DynamoValue.String("active")),
        new ItemFilter.Equal(Path("n"), DynamoValue.Number("1")),
        new ItemFilter.Equal(Path("flag"), DynamoValue.True),
        new ItemFilter.BeginsWith(Path("pk"), "eu#"),
        new ItemFilter.BeginsWith(Path("status"), "act"),
        new ItemFilter.Exists(Path("note")),
        new ItemFilter.Exists(Path("address", "city")),
        new ItemFilter.Equal(Path("address", "city"), DynamoValue.String("Paris")),
    ];

    public static Gen<ItemFilter> Filter(int depth) => depth == 0
        ? Gen.Int[0, Atoms.Length - 1].Select(i => Atoms[i])
        : Gen.Int[0, 5].SelectMany(choice => choice switch
        {
            0 => Gen.Select(Filter(depth - 1), Filter(depth - 1), (a, b) => (ItemFilter)new ItemFilter.And(a, b)),
            1 => Gen.Select(Filter(depth - 1), Filter(depth - 1), (a, b) => (ItemFilter)new ItemFilter.Or(a, b)),
            2 => Filter(depth - 1).Select(a => (ItemFilter)new ItemFilter.Not(a)),
            _ => Filter(0),
        });

    public static readonly Gen<AttributeProjection?> Projection =
        Gen.Select(Gen.Int[0, 2], Gen.Bool.Array[Attributes.Length + 1]).Select((kind, picks) =>
        {
            // "pk" may be named too: a key attribute is kept whatever the projection says.
            var names = Attributes.Append("pk").Where((_, i) => picks[i]).ToList();
            return kind switch
            {
                0 => null,
                1 => AttributeProjection.Include(names),
                _ => (AttributeProjection?)AttributeProjection.Exclude(names),
            };
        });

    public static readonly Gen<ItemSelection> Selection =
        Gen.Select(Gen.Bool, Filter(3), Projection).Select((filtered, filter, projection) => new ItemSelection(filtered ? filter : null, projection));

    /// <summary>A change: a put of an item on key <c>Key</c>, or (Item null) a delete.</summary>
    public static readonly Gen<(int Key, Item? Item)[]> Changes =
        Gen.Int[0, Keys.Length - 1].SelectMany(key => Gen.Int[0, 3].SelectMany(kind => kind == 0
            ? Gen.Const((key, (Item?)null))
            : Item(key).Select(item => (key, (Item?)item)))).Array[0, 40];

    public static ItemKey KeyOf(Item item) => new(new Dictionary<string, DynamoValue> { ["pk"] = item["pk"] });

    /// <summary>What a target of <paramref name="source"/> must hold under <paramref name="selection"/>.</summary>
    public static Dictionary<ItemKey, Item> Selected(IReadOnlyDictionary<ItemKey, Item> source, ItemSelection selection) =>
        source.Select(pair => (pair.Key, Item: selection.Select(pair.Value, pair.Key)))
            .Where(pair => pair.Item is not null)
            .ToDictionary(pair => pair.Key, pair => pair.Item!);

    public static bool Same(IReadOnlyDictionary<ItemKey, Item> a, IReadOnlyDictionary<ItemKey, Item> b) =>
        a.Count == b.Count && a.All(pair => b.TryGetValue(pair.Key, out var item) && DynamoValue.MapsEqual(pair.Value, item));
}
