using System.Globalization;
using System.Text.RegularExpressions;

namespace Replicator.Aws.Streams;

/// <summary>
/// The offset between this machine's clock and the service's, learnt from a request the service
/// refused for its signing time, and added to the clock for every later signature, as the AWS SDK
/// does (its <c>RetryPolicy.IsClockskew</c> and <c>CorrectClockSkew</c>). Safe to share between
/// threads: the shard readers sign concurrently.
/// </summary>
internal sealed partial class ClockSkew(TimeProvider time)
{
    /// <summary>
    /// The SDK's threshold: an error that may or may not be about the clock (a bad signature) counts
    /// as skew only when the signing time was further than this from the server's time.
    /// </summary>
    public static readonly TimeSpan Threshold = TimeSpan.FromMinutes(5);

    /// <summary>Errors that say the signing time is out of range: the SDK corrects on these whenever it knows the server's time.</summary>
    private static readonly HashSet<string> Definite = new(StringComparer.OrdinalIgnoreCase) { "RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture" };

    /// <summary>
    /// Errors that may be about the clock. DynamoDB says "InvalidSignatureException: Signature expired:
    /// 20140218T073406Z is now earlier than 20140218T141758Z (20140218T143258Z - 15 min.)" (or "Signature
    /// not yet current: … is still later than … (… + 15 min.)"); a wrong secret key gives the same type.
    /// </summary>
    private static readonly HashSet<string> Possible = new(StringComparer.OrdinalIgnoreCase) { "InvalidSignatureException", "AuthFailure", "SignatureDoesNotMatch" };

    private long _offsetTicks;

    /// <summary>What to add to the local clock to get the server's.</summary>
    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    /// <summary>The time to sign at: the local clock corrected by the offset learnt so far.</summary>
    public DateTimeOffset Now() => time.GetUtcNow() + Offset;

    /// <summary>
    /// Learns the offset from a refusal, if it was for the signing time: the server's time comes from
    /// the answer's <c>Date</c> header, or else from the time in the error message. Returns the
    /// server's time when the offset was corrected (the request is worth sending again), or null.
    /// </summary>
    public DateTimeOffset? TryCorrect(string? errorType, string? message, DateTimeOffset? dateHeader, DateTimeOffset signedAt)
    {
        if (errorType is null || (dateHeader ?? ServerTimeIn(message)) is not { } server)
        {
            return null;
        }

        var skewed = Definite.Contains(errorType) || (Possible.Contains(errorType) && (signedAt - server).Duration() > Threshold);
        if (!skewed)
        {
            return null;
        }

        Interlocked.Exchange(ref _offsetTicks, (server - time.GetUtcNow()).Ticks);
        return server;
    }

    /// <summary>The server's time in DynamoDB's message, the first time inside the parentheses: <c>(20140218T143258Z - 15 min.)</c>.</summary>
    private static DateTimeOffset? ServerTimeIn(string? message) =>
        message is not null
        && ServerTimePattern().Match(message) is { Success: true } match
        && DateTimeOffset.TryParseExact(match.Groups[1].Value, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var server)
            ? server
            : null;

    [GeneratedRegex(@"\((\d{8}T\d{6}Z) [+-] ", RegexOptions.CultureInvariant)]
    private static partial Regex ServerTimePattern();
}
