using Replicator.Applying;
using Replicator.Lambda;
using Replicator.MultiActive;

namespace Replicator.Tests.Lambda;

public sealed class LambdaConfigurationTests
{
    private const string Targets = "REPLICATION_TARGETS";
    private const string Queue = "DEAD_LETTER_QUEUE_URL";
    private const string Ttl = "TTL_DELETES";
    private const string Region = "AWS_REGION";
    private const string Mode = "REPLICATION_MODE";
    private const string Metadata = "METADATA_ATTRIBUTE";
    private const string Retention = "TOMBSTONE_RETENTION";

    /// <summary>An environment of the given variables (a null value leaves the variable unset), with one good target unless told otherwise.</summary>
    private static Func<string, string?> Environment(params (string Name, string? Value)[] variables)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal) { [Targets] = "us-west-2:users" };
        foreach (var (name, value) in variables)
        {
            values[name] = value;
        }

        return name => values.GetValueOrDefault(name);
    }

    private static ConfigurationException Refused(params (string Name, string? Value)[] variables) =>
        Assert.Throws<ConfigurationException>(() => LambdaConfiguration.Load(Environment(variables)));

    [Fact]
    public void Load_TargetsOnly_NoDeadLetterQueueAndTtlDeletesReplicated()
    {
        var configuration = LambdaConfiguration.Load(Environment());

        Assert.Equal([new TargetTable("us-west-2", "users")], configuration.Targets);
        Assert.Null(configuration.DeadLetterQueue);
        Assert.Equal(TtlDeletes.Replicate, configuration.Settings.TtlDeletes);
        Assert.Equal(new ReplicationSettings(), configuration.Settings);
    }

    [Fact]
    public void Load_TargetsAsRegionTableAndArn_ReadsEveryTargetInOrder()
    {
        var configuration = LambdaConfiguration.Load(Environment(
            (Targets, " us-west-2:users , arn:aws:dynamodb:eu-west-1:123456789012:table/users.v2,ap-southeast-2:my_table ")));

        Assert.Equal(
            [new TargetTable("us-west-2", "users"), new TargetTable("eu-west-1", "users.v2", "arn:aws:dynamodb:eu-west-1:123456789012:table/users.v2"), new TargetTable("ap-southeast-2", "my_table")],
            configuration.Targets);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(",")]
    [InlineData("nonsense")]
    [InlineData("us-west-2")]
    [InlineData("us-west-2:ab")]
    [InlineData("US-WEST-2:users")]
    [InlineData("us-west-2:users/extra")]
    [InlineData("arn:aws:dynamodb:us-west-2:123456789012:table/users/stream/2024-01-01T00:00:00.000")]
    [InlineData("arn:aws:sqs:us-west-2:123456789012:users")]
    [InlineData("us-west-2:users,us-west-2:users")]
    public void Load_TargetsMissingOrMalformed_FailsNamingTheVariableAndItsForm(string? value)
    {
        var error = Refused((Targets, value));

        Assert.Equal(Targets, error.Variable);
        Assert.StartsWith("REPLICATION_TARGETS is ", error.Message, StringComparison.Ordinal);
        Assert.Contains("region:table or a table ARN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TargetMalformed_MessageNamesTheBadEntry()
    {
        var error = Refused((Targets, "us-west-2:users,eu-west-1"));

        Assert.Contains("'eu-west-1'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://sqs.eu-west-1.amazonaws.com/123456789012/dead-letters", "eu-west-1")]
    [InlineData("https://sqs.us-gov-west-1.amazonaws.com/123456789012/dead-letters.fifo", "us-gov-west-1")]
    [InlineData("http://127.0.0.1:5000/123456789012/dead-letters", "us-east-1")]
    [InlineData("http://localhost:4566/000000000000/dead-letters", "us-east-1")]
    public void Load_DeadLetterQueueUrl_TakesTheRegionFromTheUrlOrElseAwsRegion(string url, string region)
    {
        var configuration = LambdaConfiguration.Load(Environment((Queue, url), (Region, "us-east-1")));

        Assert.Equal(new DeadLetterQueue(url, region), configuration.DeadLetterQueue);
    }

    [Fact]
    public void Load_RegionalDeadLetterQueueUrl_NeedsNoAwsRegion()
    {
        var configuration = LambdaConfiguration.Load(Environment((Queue, "https://sqs.ap-south-1.amazonaws.com/123456789012/q")));

        Assert.Equal("ap-south-1", configuration.DeadLetterQueue?.Region);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void Load_DeadLetterQueueUrlEmpty_MeansNoQueue(string value) =>
        Assert.Null(LambdaConfiguration.Load(Environment((Queue, value))).DeadLetterQueue);

    [Fact]
    public void Load_LocalDeadLetterQueueUrlWithoutAwsRegion_FailsNamingBothVariables()
    {
        var error = Refused((Queue, "http://127.0.0.1:5000/123456789012/dead-letters"));

        Assert.Equal(Queue, error.Variable);
        Assert.Contains("DEAD_LETTER_QUEUE_URL", error.Message, StringComparison.Ordinal);
        Assert.Contains("AWS_REGION", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dead-letters")]
    [InlineData("/123456789012/dead-letters")]
    [InlineData("sqs.us-east-1.amazonaws.com/123456789012/dead-letters")]
    [InlineData("ftp://sqs.us-east-1.amazonaws.com/123456789012/dead-letters")]
    [InlineData("https://sqs.us-east-1.amazonaws.com")]
    [InlineData("https://sqs.us-east-1.amazonaws.com/")]
    [InlineData("arn:aws:sqs:us-east-1:123456789012:dead-letters")]
    public void Load_DeadLetterQueueUrlMalformed_FailsNamingTheVariableAndItsForm(string value)
    {
        var error = Refused((Queue, value), (Region, "us-east-1"));

        Assert.Equal(Queue, error.Variable);
        Assert.StartsWith("DEAD_LETTER_QUEUE_URL is ", error.Message, StringComparison.Ordinal);
        Assert.Contains("URL of an SQS queue", error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, TtlDeletes.Replicate)]
    [InlineData("", TtlDeletes.Replicate)]
    [InlineData("replicate", TtlDeletes.Replicate)]
    [InlineData("REPLICATE", TtlDeletes.Replicate)]
    [InlineData("skip", TtlDeletes.Skip)]
    [InlineData(" Skip ", TtlDeletes.Skip)]
    [InlineData("SKIP", TtlDeletes.Skip)]
    public void Load_TtlDeletes_ReplicateOrSkipInAnyCase(string? value, TtlDeletes expected) =>
        Assert.Equal(expected, LambdaConfiguration.Load(Environment((Ttl, value))).Settings.TtlDeletes);

    [Theory]
    [InlineData("yes")]
    [InlineData("true")]
    [InlineData("skipped")]
    [InlineData("0")]
    public void Load_TtlDeletesMalformed_FailsNamingTheVariableAndItsValues(string value)
    {
        var error = Refused((Ttl, value));

        Assert.Equal(Ttl, error.Variable);
        Assert.Equal($"TTL_DELETES is '{value}'; expected replicate (the default) or skip", error.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("one-way")]
    [InlineData(" One-Way ")]
    public void Load_ModeUnsetOrOneWay_IsOneWay(string? value) =>
        Assert.Null(LambdaConfiguration.Load(Environment((Mode, value))).MultiActive);

    [Fact]
    public void Load_MultiActive_WithNothingElse_TakesTheDefaults()
    {
        var configuration = LambdaConfiguration.Load(Environment((Mode, "multi-active"), (Targets, "eu-west-1:users,ap-southeast-2:users")));

        Assert.Equal(new MultiActiveSettings(), configuration.MultiActive);
        Assert.Equal(ReplicationOptions.DefaultMetadataAttribute, configuration.MultiActive!.MetadataAttribute);
        Assert.Equal(ReplicationOptions.DefaultTombstoneRetention, configuration.MultiActive.TombstoneRetention);
        Assert.Equal([new TargetTable("eu-west-1", "users"), new TargetTable("ap-southeast-2", "users")], configuration.Targets);
    }

    [Theory]
    [InlineData("25h", 25 * 60)]
    [InlineData("36h", 36 * 60)]
    [InlineData("1500m", 1500)]
    [InlineData("14d", 14 * 24 * 60)]
    public void Load_MultiActive_TakesTheMetadataAttributeAndTheTombstoneRetention(string retention, int minutes)
    {
        var settings = LambdaConfiguration.Load(Environment((Mode, "Multi-Active"), (Metadata, "_sync"), (Retention, retention))).MultiActive;

        Assert.Equal("_sync", settings?.MetadataAttribute);
        Assert.Equal(TimeSpan.FromMinutes(minutes), settings?.TombstoneRetention);
        Assert.Null(settings?.Problem());
    }

    [Theory]
    [InlineData("multi")]
    [InlineData("multi_active")]
    [InlineData("two-way")]
    [InlineData("active-active")]
    public void Load_ModeMalformed_FailsNamingTheVariableAndItsValues(string value)
    {
        var error = Refused((Mode, value));

        Assert.Equal(Mode, error.Variable);
        Assert.Equal($"REPLICATION_MODE is '{value}'; expected one-way (the default) or multi-active", error.Message);
    }

    [Theory]
    [InlineData("7")]
    [InlineData("7 days")]
    [InlineData("1w")]
    [InlineData("P7D")]
    [InlineData("-7d")]
    public void Load_TombstoneRetentionMalformed_FailsNamingTheVariableAndItsForm(string value)
    {
        var error = Refused((Mode, "multi-active"), (Retention, value));

        Assert.Equal(Retention, error.Variable);
        Assert.StartsWith($"TOMBSTONE_RETENTION is '{value}'; expected a whole number and a unit", error.Message, StringComparison.Ordinal);
        Assert.Contains("at least 25h", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("24h")]
    [InlineData("1d")]
    [InlineData("1499m")]
    public void Load_TombstoneRetentionShorterThanTheLeast_FailsSayingTheLeastAndWhy(string value)
    {
        var error = Refused((Mode, "multi-active"), (Retention, value));

        Assert.Equal(Retention, error.Variable);
        Assert.StartsWith($"TOMBSTONE_RETENTION is '{value}', less than the least, 25h", error.Message, StringComparison.Ordinal);
        Assert.Contains("the stream keeps records 24 hours", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MetadataAttributeTooLong_FailsNamingTheVariable()
    {
        var error = Refused((Mode, "multi-active"), (Metadata, new string('m', 256)));

        Assert.Equal(Metadata, error.Variable);
        Assert.StartsWith("METADATA_ATTRIBUTE is 256 characters long", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Metadata, "_sync")]
    [InlineData(Retention, "7d")]
    public void Load_MultiActiveVariableInOneWayMode_FailsNamingItAndTheMode(string variable, string value)
    {
        var error = Refused((variable, value));

        Assert.Equal(variable, error.Variable);
        Assert.StartsWith($"{variable} is set, but REPLICATION_MODE is not set (one-way)", error.Message, StringComparison.Ordinal);
        Assert.Contains("REPLICATION_MODE=multi-active", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MultiActiveWithTtlDeletesSkipped_FailsNamingTtlDeletes()
    {
        var error = Refused((Mode, "multi-active"), (Ttl, "skip"));

        Assert.Equal(Ttl, error.Variable);
        Assert.Contains("versioned delete", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MultiActiveWithTwoPeersInOneRegion_FailsNamingBoth()
    {
        var error = Refused((Mode, "multi-active"), (Targets, "eu-west-1:users,ap-southeast-2:users,arn:aws:dynamodb:eu-west-1:123456789012:table/users2"));

        Assert.Equal(Targets, error.Variable);
        Assert.Contains("eu-west-1:users and arn:aws:dynamodb:eu-west-1:123456789012:table/users2, in one region, eu-west-1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_OneWayWithTwoTargetsInOneRegion_IsFine() =>
        Assert.Equal(2, LambdaConfiguration.Load(Environment((Targets, "eu-west-1:users,eu-west-1:users2"))).Targets.Count);
}
