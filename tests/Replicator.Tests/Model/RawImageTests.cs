using System.Text;
using Replicator.Model;

namespace Replicator.Tests.Model;

/// <summary>An image kept as its JSON reads as the values it holds, one attribute at a time when its names are known to be unique.</summary>
public sealed class RawImageTests
{
    private const string Json = """{"pk":{"S":"a"},"m":{"M":{"pk":{"N":"9"}}},"sk":{"N":"1E+3"}}""";

    [Fact]
    public void AnAttribute_IsFound_WithNamesUniqueOrNot()
    {
        foreach (var image in new[] { new RawImage(Encoding.UTF8.GetBytes(Json), namesUnique: true), new RawImage(Encoding.UTF8.GetBytes(Json)) })
        {
            Assert.Equal("1E+3", image["sk"].AsNumber());
            Assert.Equal("a", image["pk"].AsString());
            Assert.False(image.TryGetValue("x", out _));
            Assert.False(image.ContainsKey("missing"));
            Assert.Throws<KeyNotFoundException>(() => image["missing"]);
            Assert.Equal(3, image.Count);
        }
    }

    [Fact]
    public void ANameGivenTwice_ReadsAsItsLastValue_WhenNotKnownUnique()
    {
        var image = new RawImage(Encoding.UTF8.GetBytes("""{"v":{"N":"1"},"v":{"N":"2"}}"""));

        Assert.Equal("2", image["v"].AsNumber());
    }
}
