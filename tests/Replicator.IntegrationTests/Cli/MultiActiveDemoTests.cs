using System.Text.Json;
using Replicator.IntegrationTests.Support;

namespace Replicator.IntegrationTests.Cli;

/// <summary>`replicator demo --mode multi-active` as a user runs it, against the shared moto.</summary>
[Collection(MotoCollection.Name)]
public sealed class MultiActiveDemoTests(MotoServer moto)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task MultiActiveDemo_WritersInThreeRegions_EndsIdenticalWithConflictsListed()
    {
        var (code, output) = await ReplicatorProcess.RunAsync(moto, Timeout, "demo", "--mode", "multi-active", "--endpoint", moto.Endpoint, "--items", "120", "--output", "json");

        Assert.True(code == 0, output);
        var result = JsonDocument.Parse(output.Split('\n').Last(line => line.StartsWith('{'))).RootElement;
        Assert.True(result.GetProperty("identical").GetBoolean(), output);
        Assert.True(result.GetProperty("verify").GetProperty("identical").GetBoolean(), output);
        Assert.Equal(2, result.GetProperty("verify").GetProperty("targets").GetArrayLength());
        var regions = result.GetProperty("regions").EnumerateArray().ToList();
        Assert.Equal(["us-east-1", "eu-west-1", "ap-southeast-2"], regions.Select(region => region.GetProperty("table").GetString()!.Split(':')[0]));
        Assert.All(regions, region =>
        {
            Assert.Equal(0, region.GetProperty("recordsFailed").GetInt64());
            Assert.True(region.GetProperty("versioned").GetInt32() > 0, output);
            Assert.True(region.GetProperty("forwarded").GetInt32() > 0, output);
        });

        // Every key is written in all three regions before any replicator runs: two of three lose, per key.
        var conflicts = result.GetProperty("conflicts").GetInt32();
        Assert.True(conflicts > 0, output);
        Assert.Equal(conflicts, regions.Sum(region => region.GetProperty("conflicts").GetInt32()));
        var sample = result.GetProperty("conflictSamples").EnumerateArray().First();
        Assert.NotEqual(sample.GetProperty("winner").GetProperty("version").GetString(), sample.GetProperty("loser").GetProperty("version").GetString());
    }
}
