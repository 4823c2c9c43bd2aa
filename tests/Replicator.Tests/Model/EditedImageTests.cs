using System.Text;
using System.Text.Json;
using Replicator.Model;

namespace Replicator.Tests.Model;

/// <summary>An image with one attribute changed is written as the image's own bytes, and reads as the image with the change made.</summary>
public sealed class EditedImageTests
{
    private static readonly RawImage Image = new(Encoding.UTF8.GetBytes("""{"pk":{"S":"a"},"_replication":{"M":{"v":{"S":"old"}}},"n\u00e4me":{"N":"1E+3"},"m":{"M":{"x":{"L":[{"NULL":true}]}}}}"""));

    [Fact]
    public void WithoutAnAttribute_IsWrittenAsTheImagesBytesLessThatAttribute()
    {
        var data = EditedImage.With(Image, "_replication", null);

        Assert.Equal("""{"pk":{"S":"a"},"n\u00E4me":{"N":"1E+3"},"m":{"M":{"x":{"L":[{"NULL":true}]}}}}""", Written(data));
        Assert.Equal(["m", "nAme".Replace('A', 'ä'), "pk"], data.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void WithANewValue_IsWrittenWithIt_AndReadsWithIt()
    {
        var stamped = EditedImage.With(EditedImage.With(Image, "_replication", null), "_replication", DynamoValue.String("new"));

        Assert.Equal("""{"pk":{"S":"a"},"n\u00E4me":{"N":"1E+3"},"m":{"M":{"x":{"L":[{"NULL":true}]}}},"_replication":{"S":"new"}}""", Written(stamped));
        Assert.Equal("new", stamped["_replication"].AsString());
        Assert.True(DynamoValue.MapsEqual(stamped, Read(Written(stamped))));
    }

    [Fact]
    public void AnItemOfValues_IsEditedAsValues()
    {
        var item = new Dictionary<string, DynamoValue> { ["pk"] = DynamoValue.String("a"), ["x"] = DynamoValue.True };

        Assert.Equal(["pk"], EditedImage.With(item, "x", null).Keys);
        Assert.Same(item, EditedImage.With(item, "y", null));
        Assert.Equal("""{"pk":{"S":"a"},"x":{"BOOL":true},"y":{"NULL":true}}""", Written(EditedImage.With(item, "y", DynamoValue.Null)));
    }

    private static string Written(IReadOnlyDictionary<string, DynamoValue> item)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            DynamoJson.WriteItem(writer, item);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static RawImage Read(string json) => new(Encoding.UTF8.GetBytes(json));
}
