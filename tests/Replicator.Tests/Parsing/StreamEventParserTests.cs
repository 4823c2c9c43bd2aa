using System.Text;
using Replicator.Model;
using Replicator.Parsing;
using Replicator.Tests.Fixtures;

namespace Replicator.Tests.Parsing;

public sealed class StreamEventParserTests
{
    private static readonly ParsedBatch EveryType = StreamEventParser.Parse(Events.File("every-type.json"));

    [Fact]
    public void Parse_DocumentedEvent_ReadsEveryRecordInOrder()
    {
        Assert.Empty(EveryType.Malformed);
        Assert.Equal([ChangeKind.Insert, ChangeKind.Modify, ChangeKind.Remove], EveryType.Records.Select(r => r.Kind));
        Assert.Equal(["111", "222", "333"], EveryType.Records.Select(r => r.SequenceNumber.Value));
        var insert = EveryType.Records[0];
        Assert.Equal("c4ca4238a0b923820dcc509a6f75849b", insert.EventId);
        Assert.Equal("us-east-1", insert.SourceRegion);
        Assert.Equal(StreamViewType.NewAndOldImages, insert.ViewType);
        Assert.Equal(512, insert.SizeBytes);
        Assert.StartsWith("arn:aws:dynamodb:us-east-1:123456789012:table/users/stream/", insert.EventSourceArn, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EveryAttributeType_KeepsExactValues()
    {
        var image = EveryType.Records[0].NewImage!;
        Assert.Equal("Zoë \"Z\" Smith", image["name"].AsString());
        Assert.Equal("12345678901234567890123456789012345678", image["balance"].AsNumber());
        Assert.Equal("-0.000000000000000000000000000000000000001", image["tiny"].AsNumber());
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, image["photo"].AsBinary());
        Assert.True(image["active"].AsBool());
        Assert.False(image["retired"].AsBool());
        Assert.Equal(DynamoType.NULL, image["nickname"].Type);
        var address = image["address"].AsMap();
        Assert.Equal("Lisbon", address["city"].AsString());
        Assert.Equal(["38.7", "-9.1"], address["geo"].AsList().Select(v => v.AsNumber()));
        Assert.Equal([DynamoType.S, DynamoType.N, DynamoType.M, DynamoType.L], image["history"].AsList().Select(v => v.Type));
        Assert.Equal(["red", "green"], image["tags"].AsStringSet());
        Assert.Equal(["1", "2.5", "1E+3"], image["scores"].AsNumberSet());
        Assert.Equal([[1], [2]], image["keys"].AsBinarySet());
    }

    [Fact]
    public void Parse_CreationTime_ReadsSecondsFractionalSecondsAndMilliseconds()
    {
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1479499740), EveryType.Records[0].ApproximateCreationTime);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1479499740123), EveryType.Records[1].ApproximateCreationTime);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1479499741500), EveryType.Records[2].ApproximateCreationTime);
    }

    [Fact]
    public void Parse_RemoveWithOnlyOldImage_IsATtlDeleteWhenDynamoDbMadeIt()
    {
        var remove = EveryType.Records[2];
        Assert.Null(remove.NewImage);
        Assert.Equal("1479499700", remove.OldImage!["expires"].AsNumber());
        Assert.True(remove.IsTtlDelete);
        Assert.False(EveryType.Records[1].IsTtlDelete);
    }

    [Fact]
    public void Parse_TtlRemoveInTheGetRecordsShape_IsATtlDelete()
    {
        // The Streams API (GetRecords) capitalises userIdentity's fields; the Lambda event does not.
        var record = Events.Record("REMOVE", "a", 9).Replace(
            "\"dynamodb\":",
            "\"userIdentity\":{\"PrincipalId\":\"dynamodb.amazonaws.com\",\"Type\":\"Service\"},\"dynamodb\":",
            StringComparison.Ordinal);
        var response = "{\"NextShardIterator\":\"abc\",\"Records\":[" + record + "]}";

        Assert.True(Assert.Single(Events.Parse(response).Records).IsTtlDelete);
    }

    [Fact]
    public void Parse_RemoveByAUserInTheGetRecordsShape_IsNotATtlDelete()
    {
        var record = Events.Record("REMOVE", "a", 9).Replace(
            "\"dynamodb\":",
            "\"userIdentity\":{\"PrincipalId\":\"AIDAEXAMPLE\",\"Type\":\"Service\"},\"dynamodb\":",
            StringComparison.Ordinal);

        Assert.False(Assert.Single(Events.Parse(Events.Event(record)).Records).IsTtlDelete);
    }

    [Fact]
    public void Parse_RemoveByAUser_IsNotATtlDelete()
    {
        var batch = Events.Parse(Events.Event(Events.Record("REMOVE", "a", 1)));
        Assert.False(Assert.Single(batch.Records).IsTtlDelete);
    }

    [Fact]
    public void Parse_KeepsEachRecordsOriginalJson()
    {
        var raw = Encoding.UTF8.GetString(EveryType.Records[1].Raw.Span);
        Assert.StartsWith("{", raw, StringComparison.Ordinal);
        Assert.EndsWith("}", raw, StringComparison.Ordinal);
        Assert.Contains("\"SequenceNumber\": \"222\"", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("\"333\"", raw, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_GetRecordsResponse_UsesTheSameRecordShape()
    {
        var response = "{\"NextShardIterator\":\"abc\",\"Records\":[" + Events.Record("INSERT", "a", 5, 1) + "]}";
        Assert.Equal("5", Assert.Single(Events.Parse(response).Records).SequenceNumber.Value);
    }

    [Fact]
    public void Parse_NumbersBeyondDoublePrecision_StayExact()
    {
        var record = Events.Record("INSERT", "a", 1).Replace("\"v\":{\"N\":\"0\"}", "\"v\":{\"N\":\"0.1000000000000000000000000000000000001\"}", StringComparison.Ordinal);
        var value = Assert.Single(Events.Parse(Events.Event(record)).Records).NewImage!["v"].AsNumber();
        Assert.Equal("0.1000000000000000000000000000000000001", value);
    }

    [Fact]
    public void Parse_NestingToDynamoDbsLimit_IsRead_AndOneLevelMoreIsRefused()
    {
        static string Nested(int levels) => levels == 1 ? """{"S":"leaf"}""" : "{\"M\":{\"x\":" + Nested(levels - 1) + "}}";
        string WithValue(int levels) => Events.Record("INSERT", "a", 1).Replace("\"v\":{\"N\":\"0\"}", $"\"v\":{Nested(levels)}", StringComparison.Ordinal);

        Assert.Single(Events.Parse(Events.Event(WithValue(32))).Records);
        var malformed = Assert.Single(Events.Parse(Events.Event(WithValue(33))).Malformed);
        Assert.Contains("32 levels", malformed.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"X":"1"}""", "unknown attribute type \"X\"", ".v")]
    [InlineData("""{"N":"12abc"}""", "\"12abc\" is not a decimal number", ".v.N")]
    [InlineData("""{"N":12}""", "a number written as a string", ".v.N")]
    [InlineData("""{"B":"***"}""", "not valid base64", ".v.B")]
    [InlineData("""{"SS":[]}""", "set is empty", ".v.SS")]
    [InlineData("""{"M":{"a":{"L":[{"S":"x"},{"BOOL":"yes"}]}}}""", "expected true or false", ".v.M.a.L[1].BOOL")]
    [InlineData("""{"S":"a","N":"1"}""", "more than one type", ".v")]
    [InlineData("""{}""", "is empty", ".v")]
    [InlineData("""{"M":{"a":{"S":"1"},"b":{"N":"2"},"a":{"S":"3"}}}""", "names this attribute twice", ".v.M.a")]
    [InlineData("""{"NS":["1","2","x"]}""", "\"x\" is not a decimal number", ".v.NS[2]")]
    [InlineData("""{"L":[{"S":"a"},{"L":[{"N":"1"},{"B":"%"}]}]}""", "not valid base64", ".v.L[1].L[1].B")]
    public void Parse_MalformedValue_NamesTheRecordAndThePath(string value, string reason, string innerPath)
    {
        var bad = Events.Record("INSERT", "a", 7, 1).Replace("\"v\":{\"N\":\"1\"}", $"\"v\":{value}", StringComparison.Ordinal);
        var batch = Events.Parse(Events.Event(Events.Record("INSERT", "b", 6, 1), bad, Events.Record("INSERT", "c", 8, 1)));

        Assert.Equal(["6", "8"], batch.Records.Select(r => r.SequenceNumber.Value));
        var malformed = Assert.Single(batch.Malformed);
        Assert.Equal(1, malformed.Index);
        Assert.Equal("e7", malformed.EventId);
        Assert.Equal("7", malformed.SequenceNumber?.Value);
        Assert.Contains("Records[1] (eventID e7, SequenceNumber 7)", malformed.Error, StringComparison.Ordinal);
        Assert.Contains($"Records[1].dynamodb.NewImage{innerPath}", malformed.Error, StringComparison.Ordinal);
        Assert.Contains(reason, malformed.Error, StringComparison.Ordinal);
        Assert.Equal(bad, Encoding.UTF8.GetString(malformed.Raw.Span));
    }

    [Theory]
    [InlineData("\"eventName\":\"INSERT\"", "\"eventName\":\"UPSERT\"", "Records[0].eventName", "\"UPSERT\" is not INSERT, MODIFY or REMOVE")]
    [InlineData("\"SequenceNumber\":\"7\"", "\"SequenceNumber\":\"7a\"", "Records[0].dynamodb.SequenceNumber", "\"7a\" is not a sequence number")]
    [InlineData("\"Keys\":{\"pk\":{\"S\":\"a\"}}", "\"Keys\":{}", "Records[0].dynamodb.Keys", "no Keys")]
    [InlineData("\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"", "\"StreamViewType\":\"ALL\"", "Records[0].dynamodb.StreamViewType", "\"ALL\" is not KEYS_ONLY")]
    public void Parse_MalformedRecord_NamesTheField(string good, string bad, string path, string reason)
    {
        var record = Events.Record("INSERT", "a", 7, 1);
        Assert.Contains(good, record, StringComparison.Ordinal);
        var malformed = Assert.Single(Events.Parse(Events.Event(record.Replace(good, bad, StringComparison.Ordinal))).Malformed);
        Assert.Contains(path, malformed.Error, StringComparison.Ordinal);
        Assert.Contains(reason, malformed.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1e300")]
    [InlineData("-1e300")]
    [InlineData("-1e15")]
    [InlineData("1e17")]
    [InlineData("1.7976931348623157e308")]
    public void Parse_CreationTimeOutOfRange_IsAMalformedRecord_ItsNeighboursGoOn(string value)
    {
        var bad = Events.Record("INSERT", "a", 7, 1).Replace("\"ApproximateCreationDateTime\":1700000000", $"\"ApproximateCreationDateTime\":{value}", StringComparison.Ordinal);
        var batch = Events.Parse(Events.Event(Events.Record("INSERT", "b", 6, 1), bad, Events.Record("INSERT", "c", 8, 1)));

        Assert.Equal(["6", "8"], batch.Records.Select(r => r.SequenceNumber.Value));
        var malformed = Assert.Single(batch.Malformed);
        Assert.Equal("7", malformed.SequenceNumber?.Value);
        Assert.Equal("e7", malformed.EventId);
        Assert.Contains("Records[1].dynamodb.ApproximateCreationDateTime", malformed.Error, StringComparison.Ordinal);
        Assert.Contains(double.Parse(value, System.Globalization.CultureInfo.InvariantCulture).ToString("R", System.Globalization.CultureInfo.InvariantCulture), malformed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_CreationTimeAtTheEdgesOfTime_IsRead()
    {
        static string WithTime(string value, long sequenceNumber) =>
            Events.Record("INSERT", "a", sequenceNumber, 1).Replace("\"ApproximateCreationDateTime\":1700000000", $"\"ApproximateCreationDateTime\":{value}", StringComparison.Ordinal);

        var batch = Events.Parse(Events.Event(WithTime("0", 1), WithTime("253402300799999", 2)));

        Assert.Empty(batch.Malformed);
        Assert.Equal([DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue.AddTicks(-9999)], batch.Records.Select(r => r.ApproximateCreationTime));
    }

    [Fact]
    public void Parse_RecordWithoutSequenceNumber_IsMalformedWithNoPosition()
    {
        var record = Events.Record("INSERT", "a", 7, 1).Replace(",\"SequenceNumber\":\"7\"", "", StringComparison.Ordinal);
        var malformed = Assert.Single(Events.Parse(Events.Event(record)).Malformed);
        Assert.Null(malformed.SequenceNumber);
        Assert.Contains("SequenceNumber missing", malformed.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"records":[]}""")]
    [InlineData("""{"Records":{}}""")]
    [InlineData("""{"Records":[{"eventID":"x",}]}""")]
    public void Parse_UnreadableEvent_Throws(string json)
    {
        var error = Assert.Throws<MalformedEventException>(() => Events.Parse(json));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void Parse_EmptyRecords_IsAnEmptyBatch() => Assert.Equal(0, Events.Parse("""{"Records":[]}""").Count);

    [Fact]
    public void Parse_OldImage_IsReadWhenAskedFor_AndABadOneFailsOnlyThen()
    {
        var record = Events.Record("MODIFY", "a", 7, 2).Replace(
            "\"SequenceNumber\"",
            "\"OldImage\":{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"12abc\"}},\"SequenceNumber\"",
            StringComparison.Ordinal);

        var parsed = Assert.Single(Events.Parse(Events.Event(record)).Records);

        Assert.Equal("2", parsed.NewImage!["v"].AsNumber());
        var error = Assert.ThrowsAny<System.Text.Json.JsonException>(() => parsed.OldImage!.Count);
        Assert.Contains("not a decimal number", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AttributeNamesEscapedOrNotAscii_AreReadAsWritten()
    {
        // Names are shared between items; escaped and non-ASCII ones must still come out exactly.
        var extra = """
            ,"n\u00e4me":{"S":"escaped"},"ñame":{"S":"utf-8"},"m":{"M":{"n\u00e4me":{"S":"nested"},"v":{"S":"inner"}}}
            """.Trim();
        var record = Events.Record("INSERT", "a", 7, 1).Replace("\"v\":{\"N\":\"1\"}", "\"v\":{\"N\":\"1\"}" + extra, StringComparison.Ordinal);

        var images = Events.Parse(Events.Event(record, record.Replace("\"7\"", "\"8\"", StringComparison.Ordinal))).Records.Select(r => r.NewImage!).ToList();

        Assert.Equal(2, images.Count);
        foreach (var image in images)
        {
            Assert.Equal(["pk", "v", "näme", "ñame", "m"], image.Keys);
            Assert.Equal("escaped", image["näme"].AsString());
            Assert.Equal("utf-8", image["ñame"].AsString());
            Assert.Equal("nested", image["m"].AsMap()["näme"].AsString());
            Assert.Equal("inner", image["m"].AsMap()["v"].AsString());
        }
    }

    [Fact]
    public void Parse_NewImage_IsKeptAsItsOwnBytesInTheEvent()
    {
        var image = """{"pk":{"S":"a"},"n":{"N":"1E+3"},"b":{"B":"AAEC"},"m":{"M":{"l":{"L":[{"NULL":true}]}}}}""";
        var record = Events.Record("INSERT", "a", 7, 1).Replace("""{"pk":{"S":"a"},"v":{"N":"1"}}""", image, StringComparison.Ordinal);

        var parsed = Assert.Single(Events.Parse(Events.Event(record)).Records);

        var raw = Assert.IsType<RawImage>(parsed.NewImage);
        Assert.Equal(image, Encoding.UTF8.GetString(raw.Json.Span));
        Assert.Equal("1E+3", raw["n"].AsNumber());
    }

    [Fact]
    public void Parse_NewImageNamingAnAttributeTwice_IsReadTheFullWay_LastValueStanding()
    {
        var record = Events.Record("INSERT", "a", 7, 1).Replace("""{"pk":{"S":"a"},"v":{"N":"1"}}""", """{"pk":{"S":"a"},"v":{"N":"1"},"v":{"N":"2"}}""", StringComparison.Ordinal);

        var parsed = Assert.Single(Events.Parse(Events.Event(record)).Records);

        Assert.IsNotType<RawImage>(parsed.NewImage);
        Assert.Equal("2", parsed.NewImage!["v"].AsNumber());
        Assert.Equal(2, parsed.NewImage.Count);
    }
}
