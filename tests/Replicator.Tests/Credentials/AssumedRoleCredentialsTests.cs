using Microsoft.Extensions.Time.Testing;
using Replicator.Aws.Credentials;

namespace Replicator.Tests.Credentials;

public sealed class AssumedRoleCredentialsTests
{
    private static readonly AssumedRole Writer = new("arn:aws:iam::222222222222:role/replicator-writer", "ext-1", "replicator-test");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 21, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task GetCredentials_ManyRequestsWithinLifetime_AsksStsOnce()
    {
        var sts = new CountingIssuer(_time);
        using var credentials = new AssumedRoleCredentials(sts, Writer, _time);

        for (var i = 0; i < 50; i++)
        {
            Assert.Equal("AKIA1", (await credentials.GetCredentialsAsync()).AccessKey);
            _time.Advance(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(1, sts.Calls);
    }

    [Fact]
    public async Task GetCredentials_FiveMinutesBeforeExpiry_RefreshesBeforeTheyExpire()
    {
        var sts = new CountingIssuer(_time);
        using var credentials = new AssumedRoleCredentials(sts, Writer, _time);
        await credentials.GetCredentialsAsync();

        _time.Advance(TimeSpan.FromMinutes(55) - TimeSpan.FromSeconds(1));
        Assert.Equal("AKIA1", (await credentials.GetCredentialsAsync()).AccessKey);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("AKIA2", (await credentials.GetCredentialsAsync()).AccessKey);
        Assert.Equal(2, sts.Calls);

        // The new ones last their own hour: no third call until 55 minutes after the refresh.
        _time.Advance(TimeSpan.FromMinutes(54));
        Assert.Equal("AKIA2", (await credentials.GetCredentialsAsync()).AccessKey);
        Assert.Equal(2, sts.Calls);
    }

    [Fact]
    public async Task GetCredentials_ShortLivedCredentials_RefreshedByTheirOwnExpiry()
    {
        var sts = new CountingIssuer(_time) { Lifetime = TimeSpan.FromMinutes(15) };
        using var credentials = new AssumedRoleCredentials(sts, Writer, _time);
        await credentials.GetCredentialsAsync();

        _time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal("AKIA2", (await credentials.GetCredentialsAsync()).AccessKey);
    }

    [Fact]
    public async Task GetCredentials_ConcurrentCallersWhileRefreshing_ShareOneStsCall()
    {
        var sts = new CountingIssuer(_time) { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        using var credentials = new AssumedRoleCredentials(sts, Writer, _time);

        var callers = Enumerable.Range(0, 8).Select(_ => Task.Run(() => credentials.GetCredentialsAsync())).ToList();
        while (sts.Calls == 0)
        {
            await Task.Yield();
        }

        sts.Gate.SetResult();
        var keys = await Task.WhenAll(callers);

        Assert.All(keys, key => Assert.Equal("AKIA1", key.AccessKey));
        Assert.Equal(1, sts.Calls);
    }

    [Fact]
    public async Task GetCredentials_SendsRoleExternalIdSessionAndDuration()
    {
        var sts = new CountingIssuer(_time);
        using var credentials = new AssumedRoleCredentials(sts, Writer, _time, TimeSpan.FromMinutes(30));

        await credentials.GetCredentialsAsync();

        var (role, duration) = Assert.Single(sts.Asked);
        Assert.Equal(Writer, role);
        Assert.Equal(TimeSpan.FromMinutes(30), duration);
    }

    [Fact]
    public async Task GetCredentials_Refused_ThrowsAndAsksAgainNextTime()
    {
        var sts = new CountingIssuer(_time) { Refuse = role => new RoleRefusedException(role, new Amazon.Runtime.AmazonServiceException("not authorized") { ErrorCode = "AccessDenied", StatusCode = System.Net.HttpStatusCode.Forbidden }) };
        using var credentials = new AssumedRoleCredentials(sts, Writer, _time);

        var refused = await Assert.ThrowsAsync<RoleRefusedException>(() => credentials.GetCredentialsAsync());
        Assert.Contains(Writer.RoleArn, refused.Message, StringComparison.Ordinal);

        sts.Refuse = _ => null;
        Assert.Equal("AKIA2", (await credentials.GetCredentialsAsync()).AccessKey);
    }
}
