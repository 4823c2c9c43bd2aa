using Microsoft.Extensions.Time.Testing;
using Replicator.Aws.Streams;

namespace Replicator.Tests.Streams;

public sealed class ClockSkewTests
{
    private static readonly DateTimeOffset Local = new(2014, 2, 18, 7, 34, 6, TimeSpan.Zero);

    [Fact]
    public void TryCorrect_NoDateHeader_TakesTheServersTimeFromDynamoDbsMessage()
    {
        var time = new FakeTimeProvider(Local);
        var skew = new ClockSkew(time);

        var server = skew.TryCorrect(
            "InvalidSignatureException",
            "Signature expired: 20140218T073406Z is now earlier than 20140218T141758Z (20140218T143258Z - 15 min.)",
            dateHeader: null,
            signedAt: Local);

        var expected = new DateTimeOffset(2014, 2, 18, 14, 32, 58, TimeSpan.Zero);
        Assert.Equal(expected, server);
        Assert.Equal(expected - Local, skew.Offset);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(expected.AddMinutes(1), skew.Now());
    }

    [Theory]
    [InlineData("AccessDeniedException", 180)] // not about the signature at all
    [InlineData("InvalidSignatureException", 4)] // within the SDK's 5 minutes: a bad signature, not a bad clock
    public void TryCorrect_NotAClockError_LeavesTheClock(string type, int serverMinutesAhead)
    {
        var skew = new ClockSkew(new FakeTimeProvider(Local));

        Assert.Null(skew.TryCorrect(type, "refused", Local.AddMinutes(serverMinutesAhead), Local));
        Assert.Equal(TimeSpan.Zero, skew.Offset);
    }

    [Fact]
    public void TryCorrect_NoServerTime_LeavesTheClock()
    {
        var skew = new ClockSkew(new FakeTimeProvider(Local));

        Assert.Null(skew.TryCorrect("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", null, Local));
        Assert.Equal(TimeSpan.Zero, skew.Offset);
    }
}
