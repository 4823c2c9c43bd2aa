using System.Text;
using System.Text.Json;
using CsCheck;
using Replicator.Model;
using Replicator.Parsing;

namespace Replicator.Tests.Parsing;

/// <summary>
/// The image check lets an image's bytes go to the target unread, so it must never pass an image
/// the full reader would refuse or read differently: every image it calls plain is read by
/// <see cref="DynamoValueConverter.ReadItem"/>, with no attribute named twice.
/// </summary>
public sealed class ImageCheckTests
{
    private const string Good = """{"pk":{"S":"a"},"n":{"N":"-1.5E+3"},"b":{"B":"AAEC"},"t":{"BOOL":true},"z":{"NULL":true},"m":{"M":{"x":{"L":[{"S":"y"},{"NS":["1","2"]}]},"e":{"M":{}}}},"ss":{"SS":["a","b"]},"bs":{"BS":["AA=="]},"l":{"L":[]}}""";

    /// <summary>Fragments that break an image one way or another, or not at all.</summary>
    private static readonly string[] Fragments =
    [
        "{}", "[]", "\"\"", "1", "true", "false", "null", """{"S":"a"}""", """{"N":"x"}""", """{"N":"1e"}""", """{"N":"1e99999999999999999999"}""",
        """{"B":"A"}""", """{"B":"AA AA"}""", """{"B":"\u0041AAA"}""", """{"SS":[]}""", """{"NS":["1",2]}""", """{"X":"1"}""", """{"S":"a","N":"1"}""",
        """{"M":{"a":{"S":"1"},"a":{"S":"2"}}}""", """{"M":{"a":{"S":"1"},"\u0061":{"S":"2"}}}""", """{"NULL":false}""", """{"BOOL":"yes"}""",
        """{"L":[{"S":"a"},{}]}""", """{"\u0053":"a"}""", """{"N":"\u0031"}""", """{"M":[]}""", """{"L":{}}""",
    ];

    [Fact]
    public void AnImageOfEveryType_IsPlain_AndReadsAsTheFullReaderReadsIt()
    {
        Assert.True(Check(Good));
        Assert.Equal(9, Read(Good).Count);
    }

    [Theory]
    [InlineData("""{"a":{"S":"1"},"a":{"S":"2"}}""")]
    [InlineData("""{"a":{"M":{"b":{"S":"1"},"b":{"S":"2"}}}}""")]
    [InlineData("""{"a":{"S":"1"},"\u0061":{"S":"2"}}""")]
    [InlineData("""{"a":{"N":"1\u0065"}}""")]
    [InlineData("""{"a":{"B":"AA\nAA"}}""")]
    public void AnImageTheCheckIsNotSureOf_IsLeftToTheFullReader(string image) => Assert.False(Check(image));

    [Fact]
    public void EscapedNamesNumbersAndBinary_AreCheckedUnescaped() =>
        Assert.True(Check("""{"\u0061":{"N":"\u0031E\u002B3"},"b":{"B":"AA\u003D\u003D"},"c":{"NS":["2\u002E5"]}}"""));

    [Fact]
    public void NestingToDynamoDbsLimit_IsPlain_AndOneLevelMoreIsNot()
    {
        static string Nested(int levels) => levels == 1 ? """{"S":"leaf"}""" : "{\"M\":{\"x\":" + Nested(levels - 1) + "}}";

        Assert.True(Check("{\"v\":" + Nested(32) + "}"));
        Assert.False(Check("{\"v\":" + Nested(33) + "}"));
    }

    [Fact]
    public void EveryImageCalledPlain_IsReadByTheFullReader_WithNoNameTwice()
    {
        var attributes = Gen.OneOf(Gen.Int[0, Fragments.Length - 1].Select(i => Fragments[i]), Gen.Const(Good), Gen.Int[0, 2].Select(i => new[] { """{"S":"x"}""", """{"N":"7"}""", """{"BOOL":false}""" }[i]));
        var names = Gen.Int[0, 3].Select(i => new[] { "a", "b", "c", "pk" }[i]);
        var images = Gen.Select(names, attributes).Array[0, 6]
            .Select(pairs => "{" + string.Join(",", pairs.Select(pair => $"\"{pair.Item1}\":{pair.Item2}")) + "}");
        images.Sample(image =>
        {
            if (!IsJson(image) || !Check(image))
            {
                return;
            }

            var read = Read(image);
            Assert.Equal(read.Count, CountTopLevelNames(image));
        }, iter: 3000);
    }

    [Fact]
    public void NumberCheckOfBytes_AgreesWithTheCheckOfText()
    {
        Gen.String[Gen.Char["0123456789.eE+- x"], 0, 12].Sample(text =>
            Assert.Equal(DynamoNumber.IsValid(text.AsSpan()), DynamoNumber.IsValid(Encoding.UTF8.GetBytes(text).AsSpan())), iter: 20000);
        foreach (var text in new[] { "1e9223372036854775807", "1e-9223372036854775808", "1e9223372036854775808", "1e-9223372036854775809", "1e+5", "1e--5" })
        {
            Assert.Equal(DynamoNumber.IsValid(text.AsSpan()), DynamoNumber.IsValid(Encoding.UTF8.GetBytes(text).AsSpan()));
        }
    }

    private static bool Check(string image)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(image), new JsonReaderOptions { MaxDepth = StreamEventParser.MaxJsonDepth });
        reader.Read();
        return ImageCheck.IsPlain(ref reader, new NameHashes());
    }

    private static Dictionary<string, DynamoValue> Read(string image)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(image), new JsonReaderOptions { MaxDepth = StreamEventParser.MaxJsonDepth });
        reader.Read();
        return DynamoValueConverter.ReadItem(ref reader);
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static int CountTopLevelNames(string image)
    {
        using var document = JsonDocument.Parse(image);
        return document.RootElement.EnumerateObject().Count();
    }
}
