using Amazon.Runtime;

namespace Replicator.Aws.Credentials;

/// <summary>
/// Credentials of one assumed role, asked of STS once and kept until <see cref="RefreshBefore"/>
/// their expiry, then asked for again by the first request that needs them (one STS call however
/// many requests wait, so a busy writer does not call STS per request). The SDK's own
/// AssumeRoleAWSCredentials reads the ambient clock; this takes a <see cref="TimeProvider"/>, so a
/// test with a fake clock can show when the refresh happens. Safe to share between threads.
/// </summary>
internal sealed class AssumedRoleCredentials(IRoleIssuer issuer, AssumedRole role, TimeProvider time, TimeSpan? duration = null) : AWSCredentials, IDisposable
{
    /// <summary>STS's default, and the most a chained role (a role assuming a role, as Lambda does) may have.</summary>
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromHours(1);

    /// <summary>
    /// How long before they expire the credentials are replaced: longer than any request
    /// (<see cref="AwsClients.RequestTimeout"/>) with its retries, so none is signed with credentials
    /// that expire before the service checks them.
    /// </summary>
    public static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private readonly TimeSpan _duration = duration ?? DefaultDuration;
    private volatile IssuedCredentials? _current;

    public AssumedRole Role => role;

    public override ImmutableCredentials GetCredentials() => GetCredentialsAsync().GetAwaiter().GetResult();

    public override async Task<ImmutableCredentials> GetCredentialsAsync()
    {
        if (Fresh(_current) is { } fresh)
        {
            return fresh;
        }

        await _refreshing.WaitAsync().ConfigureAwait(false);
        try
        {
            // Another caller may have refreshed them while this one waited.
            if (Fresh(_current) is { } refreshed)
            {
                return refreshed;
            }

            var issued = await issuer.AssumeAsync(role, _duration, CancellationToken.None).ConfigureAwait(false);
            _current = issued;
            return issued.Credentials;
        }
        finally
        {
            _refreshing.Release();
        }
    }

    private ImmutableCredentials? Fresh(IssuedCredentials? issued) =>
        issued is not null && time.GetUtcNow() < issued.Expiration - RefreshBefore ? issued.Credentials : null;

    public void Dispose() => _refreshing.Dispose();
}
