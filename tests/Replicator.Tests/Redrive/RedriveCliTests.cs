using Replicator.Tests.Cli;

namespace Replicator.Tests.Redrive;

/// <summary>Bad option values of <c>replicator redrive</c> exit 2 with a message naming the option, before any request is made.</summary>
public sealed class RedriveCliTests
{
    private static readonly string[] Valid = ["redrive", "--queue", "http://127.0.0.1:1/123456789012/dead-letters", "--source", "us-east-1:users", "--target", "us-west-2:users"];

    [Theory]
    [InlineData("--queue", "not a url", "--queue: 'not a url' is not a queue URL")]
    [InlineData("--queue", "ftp://host/q", "--queue: 'ftp://host/q' is not a queue URL")]
    [InlineData("--max-messages", "0", "--max-messages: '0' is not a whole number of at least 1")]
    [InlineData("--max-messages", "ten", "--max-messages: 'ten' is not a whole number of at least 1")]
    [InlineData("--visibility-timeout", "soon", "--visibility-timeout: 'soon' is not a duration")]
    [InlineData("--visibility-timeout", "13h", "--visibility-timeout: 13h is longer than SQS allows (12h)")]
    [InlineData("--metadata-attribute", "_meta", "--metadata-attribute is for multi-active mode")]
    [InlineData("--mode", "both-ways", "--mode: 'both-ways' is not one-way or multi-active")]
    [InlineData("--target", "users", "--target: 'users' is not of the form region:table")]
    public async Task Redrive_BadOptionValue_Exits2NamingTheOption(string option, string value, string message)
    {
        var (code, output) = await CliRunner.RunAsync(CliRunner.With(Valid, option, value));

        Assert.Equal(2, code);
        Assert.Contains(message, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redrive_WithoutQueue_Exits2()
    {
        var (code, output) = await CliRunner.RunAsync("redrive", "--source", "us-east-1:users", "--target", "us-west-2:users");

        Assert.Equal(2, code);
        Assert.Contains("--queue", output, StringComparison.Ordinal);
    }
}
