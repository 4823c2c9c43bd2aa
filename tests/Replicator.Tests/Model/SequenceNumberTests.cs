using System.Numerics;
using CsCheck;
using Replicator.Model;

namespace Replicator.Tests.Model;

public sealed class SequenceNumberTests
{
    [Fact]
    public void CompareTo_ShorterNumber_IsSmallerEvenWhenItsTextSortsLater()
    {
        Assert.True(SequenceNumber.Parse("9") < SequenceNumber.Parse("10"));
        Assert.True(string.CompareOrdinal("9", "10") > 0);
        Assert.True(SequenceNumber.Parse("0009") < SequenceNumber.Parse("10"));
        Assert.Equal(SequenceNumber.Parse("0010"), SequenceNumber.Parse("10"));
    }

    [Fact]
    public void CompareTo_FortyDigitNumbers_CompareBeyondUInt128()
    {
        var a = SequenceNumber.Parse("9999999999999999999999999999999999999998");
        var b = SequenceNumber.Parse("9999999999999999999999999999999999999999");
        Assert.True(a < b);
    }

    [Fact]
    public void CompareTo_AgreesWithIntegerOrder() =>
        Gen.Select(Gen.Int[0, 15], Gen.Int[0, 15], Gen.ULong, Gen.ULong).Sample((zerosA, zerosB, a, b) =>
        {
            var left = SequenceNumber.Parse(new string('0', zerosA) + a);
            var right = SequenceNumber.Parse(new string('0', zerosB) + b);
            return Math.Sign(left.CompareTo(right)) == Math.Sign(new BigInteger(a).CompareTo(new BigInteger(b)));
        }, iter: 2000);

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("1.0")]
    [InlineData("12a")]
    [InlineData("12345678901234567890123456789012345678901")]
    public void TryParse_NotDigits_Fails(string text) => Assert.False(SequenceNumber.TryParse(text, out _));
}
