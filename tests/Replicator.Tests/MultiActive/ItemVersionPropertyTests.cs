using CsCheck;
using Replicator.Model;
using Replicator.MultiActive;

namespace Replicator.Tests.MultiActive;

/// <summary>
/// The version order and the conflict rule built on it: a total order, the text order equal to
/// the tuple order (so DynamoDB's conditions agree), a write later than what it saw, and a merge
/// (the later version wins) that is commutative, associative and idempotent.
/// </summary>
public sealed class ItemVersionPropertyTests
{
    private static readonly string[] Regions = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-east-10", "eu-west-1-x"];

    private static readonly Gen<ItemVersion> Version =
        Gen.Select(Gen.Long[1_700_000_000, 1_700_000_010], Gen.Int[0, 3], Gen.Int[0, Regions.Length - 1], Gen.Long[1, 1_000_000], Gen.Int[0, 2])
            .Select((seconds, steps, region, sequence, counterBase) =>
            {
                // Counters come from Next: a chain of writes in one second.
                var version = ItemVersion.Next(DateTimeOffset.FromUnixTimeSeconds(seconds), null, Regions[region], SequenceNumber.Parse(sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                for (var i = 0; i < steps + counterBase; i++)
                {
                    version = ItemVersion.Next(DateTimeOffset.FromUnixTimeSeconds(seconds), version, Regions[region], SequenceNumber.Parse((sequence + i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                }

                return version;
            });

    [Fact]
    public void Order_IsTotal_Antisymmetric_AndTransitive() =>
        Gen.Select(Version, Version, Version).Sample((a, b, c) =>
        {
            Assert.Equal(Math.Sign(a.CompareTo(b)), -Math.Sign(b.CompareTo(a)));
            Assert.Equal(a.CompareTo(b) == 0, a == b);
            if (a <= b && b <= c)
            {
                Assert.True(a <= c);
            }
        });

    [Fact]
    public void TextOrder_IsTheTupleOrder_SecondsThenCounterThenRegionThenSequence() =>
        Gen.Select(Version, Version).Sample((a, b) =>
        {
            var tuple = (a.UnixSeconds, a.Counter).CompareTo((b.UnixSeconds, b.Counter));
            if (tuple != 0)
            {
                Assert.Equal(Math.Sign(tuple), Math.Sign(string.CompareOrdinal(a.Text, b.Text)));
            }

            Assert.Equal(Math.Sign(a.CompareTo(b)), Math.Sign(string.CompareOrdinal(a.Text, b.Text)));
        });

    [Fact]
    public void Text_ReadsBackAsTheSameVersion() =>
        Version.Sample(version => Assert.Equal(version, ItemVersion.Parse(version.Text)));

    [Fact]
    public void Next_IsLaterThanItsPredecessor_AndNotEarlierThanTheRecordsSecond_WhateverTheClocks() =>
        Gen.Select(Version, Gen.Long[1_699_999_990, 1_700_000_020], Gen.Int[0, Regions.Length - 1], Gen.Long[1, 1_000_000]).Sample((before, seconds, region, sequence) =>
        {
            var at = DateTimeOffset.FromUnixTimeSeconds(seconds).AddMilliseconds(999);
            var next = ItemVersion.Next(at, before, Regions[region], SequenceNumber.Parse(sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.True(next > before, $"{next} is not later than {before}");
            Assert.True(next.UnixSeconds >= seconds);
        });

    [Fact]
    public void Next_WithinOneSecond_CountsUp_AndCarriesIntoTheNextSecondAtTheCountersEnd()
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        var first = ItemVersion.Next(at, null, "us-east-1", SequenceNumber.Parse("1"));
        var second = ItemVersion.Next(at, first, "eu-west-1", SequenceNumber.Parse("1"));
        Assert.Equal((first.UnixSeconds, 1), (second.UnixSeconds, second.Counter));

        var last = ItemVersion.Parse($"{first.Text[..16]}.{ItemVersion.MaxCounter:D6}.us-east-1.{first.Sequence}");
        var carried = ItemVersion.Next(at, last, "us-east-1", SequenceNumber.Parse("2"));
        Assert.True(carried > last);
        Assert.Equal((first.UnixSeconds + 1, 0), (carried.UnixSeconds, carried.Counter));
    }

    [Fact]
    public void TryParse_RefusesWhatIsNotAVersion()
    {
        foreach (var text in new[] { "", "v1", "20261201T113136Z.000000.us-east-1", "20261201T113136Z.00000.us-east-1.0000000000000000000000000000000000000001", "20261201T113136Z.000000.US-EAST-1.0000000000000000000000000000000000000001", "20261301T113136Z.000000.us-east-1.0000000000000000000000000000000000000001" })
        {
            Assert.False(ItemVersion.TryParse(text, out _), text);
        }
    }

    /// <summary>The merge of two item states: the later version's, which is what every region's conditional writes keep.</summary>
    private static ItemVersion Merge(ItemVersion a, ItemVersion b) => ItemVersion.Max(a, b)!.Value;

    [Fact]
    public void Merge_IsCommutative_Associative_AndIdempotent() =>
        Gen.Select(Version, Version, Version).Sample((a, b, c) =>
        {
            Assert.Equal(Merge(a, b), Merge(b, a));
            Assert.Equal(Merge(Merge(a, b), c), Merge(a, Merge(b, c)));
            Assert.Equal(a, Merge(a, a));
        });

    [Fact]
    public void Conflict_IsAWriteThatLostToOneThatHadNotSeenIt()
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        var east = ItemVersion.Next(at, null, "us-east-1", SequenceNumber.Parse("5"));
        var west = ItemVersion.Next(at, null, "eu-west-1", SequenceNumber.Parse("9"));
        var afterEast = ItemVersion.Next(at, east, "eu-west-1", SequenceNumber.Parse("11"));

        Assert.True(Conflict.IsConcurrent(east, SeenVersions.Of([west])));
        Assert.False(Conflict.IsConcurrent(east, SeenVersions.Of([east, afterEast])));
    }

    [Fact]
    public void SeenVersions_MergeIsCommutative_Associative_AndIdempotent() =>
        Gen.Select(Version.Array[0, 4], Version.Array[0, 4], Version.Array[0, 4]).Sample((a, b, c) =>
        {
            var (x, y, z) = (SeenVersions.Of(a), SeenVersions.Of(b), SeenVersions.Of(c));
            Assert.Equal(x.Merge(y), y.Merge(x));
            Assert.Equal(x.Merge(y).Merge(z), x.Merge(y.Merge(z)));
            Assert.Equal(x, x.Merge(x));
        });
}
