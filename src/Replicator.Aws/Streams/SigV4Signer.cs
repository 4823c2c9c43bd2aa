using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Replicator.Aws.Streams;

/// <summary>
/// AWS Signature Version 4 (header form, <c>AWS4-HMAC-SHA256</c>) for the DynamoDB Streams JSON client:
/// a pure function of the request, the credentials and the signing time. It takes no clock, keeps only derived signing keys (themselves a function of their inputs),
/// and returns the headers to add rather than changing a request.
/// </summary>
/// <remarks>
/// <para>Canonical form, as the published test suite and botocore have it, for services other than S3:</para>
/// <list type="bullet">
/// <item>Path: the path as it goes on the wire (<see cref="Uri.AbsolutePath"/>, already percent-encoded for a
/// normally built <see cref="Uri"/>) with empty, <c>.</c> and <c>..</c> segments removed, and each segment
/// URI-encoded once more (RFC 3986 unreserved characters kept). So <c>/a%20b</c> signs as <c>/a%2520b</c>:
/// the "encode twice" rule AWS applies to every service but S3, whose rules this class does not implement.</item>
/// <item>Query: each name and value decoded, then URI-encoded; sorted by name, then value (ordinal); a name
/// without <c>=</c> gets an empty value. A <c>+</c> is a literal plus (encoded <c>%2B</c>), not a space.</item>
/// <item>Headers: names lowercased and sorted; values trimmed with runs of whitespace collapsed to one space;
/// a name given more than once has its values joined with commas in the order given. Every header passed
/// in is signed, with <c>host</c> (from the URI unless given), <c>x-amz-date</c> and, when there is a
/// session token, <c>x-amz-security-token</c>. Pass only the headers to sign: botocore, for one, leaves out
/// <c>user-agent</c>, <c>expect</c>, <c>transfer-encoding</c>, <c>x-amzn-trace-id</c> and hop-by-hop
/// headers, which proxies may change.</item>
/// <item>Payload: the hex SHA-256 of the body bytes. <c>x-amz-content-sha256</c> is sent (and signed) only
/// when asked for; DynamoDB does not need it.</item>
/// </list>
/// </remarks>
internal static class SigV4Signer
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string DateHeader = "X-Amz-Date";
    public const string SecurityTokenHeader = "X-Amz-Security-Token";
    public const string ContentSha256Header = "x-amz-content-sha256";
    public const string AuthorizationHeader = "Authorization";

    private const string Terminator = "aws4_request";
    private const string UpperHex = "0123456789ABCDEF";

    /// <summary>
    /// Signs a request and returns the headers to add to it, in this order: <c>X-Amz-Date</c>,
    /// <c>X-Amz-Security-Token</c> (when <paramref name="sessionToken"/> is given),
    /// <c>x-amz-content-sha256</c> (when <paramref name="addContentSha256"/>), <c>Authorization</c>.
    /// </summary>
    /// <param name="method">HTTP method, as sent (<c>POST</c>).</param>
    /// <param name="requestUri">Absolute URI the request goes to.</param>
    /// <param name="headers">Headers to sign, as sent; a name may repeat. Must not include a header this method adds.</param>
    /// <param name="payload">Body bytes, exactly as sent (empty for none).</param>
    /// <param name="accessKeyId">Access key id, named in the credential scope.</param>
    /// <param name="secretAccessKey">Secret access key, from which the signing key is derived.</param>
    /// <param name="sessionToken">Session token of temporary credentials, or null.</param>
    /// <param name="region">Region signed for (<c>eu-west-1</c>).</param>
    /// <param name="service">Signing name of the service (<c>dynamodb</c> for DynamoDB Streams).</param>
    /// <param name="signingTime">The time to sign at; any offset, converted to UTC.</param>
    /// <param name="addContentSha256">Also send and sign <c>x-amz-content-sha256</c>.</param>
    public static IReadOnlyList<KeyValuePair<string, string>> Sign(
        string method,
        Uri requestUri,
        IEnumerable<KeyValuePair<string, string>> headers,
        ReadOnlySpan<byte> payload,
        string accessKeyId,
        string secretAccessKey,
        string? sessionToken,
        string region,
        string service,
        DateTimeOffset signingTime,
        bool addContentSha256 = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(requestUri);
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentException.ThrowIfNullOrEmpty(accessKeyId);
        ArgumentException.ThrowIfNullOrEmpty(secretAccessKey);
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentException.ThrowIfNullOrEmpty(service);
        if (sessionToken is { Length: 0 })
        {
            throw new ArgumentException("A session token, when given, must not be empty.", nameof(sessionToken));
        }

        var amzDate = AmzDate(signingTime);
        var payloadHash = HexSha256(payload);

        var added = new List<KeyValuePair<string, string>>(4) { new(DateHeader, amzDate) };
        if (sessionToken is not null)
        {
            added.Add(new(SecurityTokenHeader, sessionToken));
        }

        if (addContentSha256)
        {
            added.Add(new(ContentSha256Header, payloadHash));
        }

        var toSign = new List<KeyValuePair<string, string>>();
        var hasHost = false;
        foreach (var header in headers)
        {
            ArgumentException.ThrowIfNullOrEmpty(header.Key, nameof(headers));
            if (header.Key.Equals(AuthorizationHeader, StringComparison.OrdinalIgnoreCase)
                || added.Exists(a => a.Key.Equals(header.Key, StringComparison.OrdinalIgnoreCase)))
            {
                throw new ArgumentException($"Header '{header.Key}' is added by the signer and must not be passed in.", nameof(headers));
            }

            hasHost |= header.Key.Equals("host", StringComparison.OrdinalIgnoreCase);
            toSign.Add(header);
        }

        if (!hasHost)
        {
            toSign.Add(new("host", HostHeader(requestUri)));
        }

        toSign.AddRange(added);

        var canonicalRequest = CanonicalRequest(method, requestUri, toSign, payloadHash);
        var scope = CredentialScope(signingTime, region, service);
        var stringToSign = StringToSign(signingTime, scope, canonicalRequest);
        var signature = Signature(SigningKey(secretAccessKey, signingTime, region, service), stringToSign);

        added.Add(new(
            AuthorizationHeader,
            $"{Algorithm} Credential={accessKeyId}/{scope}, SignedHeaders={SignedHeaders(toSign)}, Signature={signature}"));
        return added;
    }

    /// <summary>
    /// Step 1, the canonical request: method, canonical URI, canonical query, canonical headers, signed
    /// headers and payload hash, one a line. <paramref name="headers"/> are exactly the headers signed.
    /// </summary>
    public static string CanonicalRequest(
        string method, Uri requestUri, IEnumerable<KeyValuePair<string, string>> headers, string payloadHash)
    {
        ArgumentNullException.ThrowIfNull(requestUri);
        ArgumentNullException.ThrowIfNull(headers);
        var merged = MergeHeaders(headers);
        var builder = new StringBuilder(256)
            .Append(method).Append('\n')
            .Append(CanonicalUri(requestUri)).Append('\n')
            .Append(CanonicalQuery(requestUri)).Append('\n');
        foreach (var (name, value) in merged)
        {
            builder.Append(name).Append(':').Append(value).Append('\n');
        }

        return builder.Append('\n')
            .AppendJoin(';', merged.Keys).Append('\n')
            .Append(payloadHash)
            .ToString();
    }

    /// <summary>Step 2, the string to sign: algorithm, time, credential scope and the canonical request's hash.</summary>
    public static string StringToSign(DateTimeOffset signingTime, string credentialScope, string canonicalRequest) =>
        $"{Algorithm}\n{AmzDate(signingTime)}\n{credentialScope}\n{HexSha256(Encoding.UTF8.GetBytes(canonicalRequest))}";

    /// <summary>The credential scope: <c>yyyyMMdd/region/service/aws4_request</c>, the date in UTC.</summary>
    public static string CredentialScope(DateTimeOffset signingTime, string region, string service) =>
        $"{signingTime.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}/{region}/{service}/{Terminator}";

    /// <summary>Step 3, the signing key: HMAC chain from <c>"AWS4" + secret</c> through date, region, service and <c>aws4_request</c>.</summary>
    public static byte[] SigningKey(string secretAccessKey, DateTimeOffset signingTime, string region, string service)
    {
        // The key changes once a day per region and service: derived once, not four HMACs a request
        // (multi-active sends several requests per change). Kept small; a full cache starts over.
        var day = signingTime.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var id = (secretAccessKey, day, region, service);
        if (SigningKeys.TryGetValue(id, out var cached))
        {
            return cached;
        }

        var key = Encoding.UTF8.GetBytes("AWS4" + secretAccessKey);
        key = Hmac(key, day);
        key = Hmac(key, region);
        key = Hmac(key, service);
        key = Hmac(key, Terminator);
        if (SigningKeys.Count >= MaxSigningKeys)
        {
            SigningKeys.Clear();
        }

        SigningKeys[id] = key;
        return key;
    }

    private const int MaxSigningKeys = 64;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Secret, string Day, string Region, string Service), byte[]> SigningKeys = new();

    /// <summary>Step 4, the signature: lowercase hex HMAC-SHA256 of the string to sign under the signing key.</summary>
    public static string Signature(byte[] signingKey, string stringToSign) =>
        Convert.ToHexStringLower(Hmac(signingKey, stringToSign));

    /// <summary>The <c>X-Amz-Date</c> value: basic ISO 8601 in UTC, <c>yyyyMMdd'T'HHmmss'Z'</c>.</summary>
    public static string AmzDate(DateTimeOffset signingTime) =>
        signingTime.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Lowercase hex SHA-256, as the payload hash and the canonical request hash are written.</summary>
    public static string HexSha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>The path normalized (no empty, <c>.</c> or <c>..</c> segments) and each segment URI-encoded.</summary>
    public static string CanonicalUri(Uri requestUri)
    {
        ArgumentNullException.ThrowIfNull(requestUri);
        var path = requestUri.AbsolutePath;
        var segments = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            switch (segment)
            {
                case "" or ".":
                    break;
                case "..":
                    if (segments.Count > 0)
                    {
                        segments.RemoveAt(segments.Count - 1);
                    }

                    break;
                default:
                    segments.Add(segment);
                    break;
            }
        }

        if (segments.Count == 0)
        {
            return "/";
        }

        var builder = new StringBuilder(path.Length + 16);
        foreach (var segment in segments)
        {
            AppendEncoded(builder.Append('/'), segment);
        }

        // As botocore does: a trailing slash survives normalization unless nothing else does.
        return path.EndsWith('/') ? builder.Append('/').ToString() : builder.ToString();
    }

    /// <summary>The query's names and values decoded, URI-encoded, sorted by name then value, joined with <c>&amp;</c>.</summary>
    public static string CanonicalQuery(Uri requestUri)
    {
        ArgumentNullException.ThrowIfNull(requestUri);
        var query = requestUri.Query;
        if (query.Length <= 1)
        {
            return "";
        }

        var pairs = new List<(string Name, string Value)>();
        foreach (var pair in query[1..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? pair : pair[..equals];
            var value = equals < 0 ? "" : pair[(equals + 1)..];
            pairs.Add((Encode(Uri.UnescapeDataString(name)), Encode(Uri.UnescapeDataString(value))));
        }

        pairs.Sort(static (a, b) =>
        {
            var byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
        });
        return string.Join('&', pairs.Select(static p => p.Name + "=" + p.Value));
    }

    /// <summary>The <c>Host</c> value HttpClient sends: the ASCII host, and the port unless it is the scheme's default.</summary>
    public static string HostHeader(Uri requestUri)
    {
        ArgumentNullException.ThrowIfNull(requestUri);
        var host = requestUri.HostNameType == UriHostNameType.IPv6 ? $"[{requestUri.IdnHost}]" : requestUri.IdnHost;
        return requestUri.IsDefaultPort ? host : host + ":" + requestUri.Port.ToString(CultureInfo.InvariantCulture);
    }

    private static string SignedHeaders(IEnumerable<KeyValuePair<string, string>> headers) =>
        string.Join(';', MergeHeaders(headers).Keys);

    /// <summary>Lowercased names in ordinal order, each with its canonical values joined by commas.</summary>
    private static SortedDictionary<string, string> MergeHeaders(IEnumerable<KeyValuePair<string, string>> headers)
    {
        var merged = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in headers)
        {
            ArgumentNullException.ThrowIfNull(value, nameof(headers));
            var key = name.ToLowerInvariant();
            var canonical = CanonicalHeaderValue(value);
            merged[key] = merged.TryGetValue(key, out var earlier) ? earlier + "," + canonical : canonical;
        }

        return merged;
    }

    /// <summary>Leading and trailing whitespace trimmed, each inner run of whitespace (folded lines too) one space.</summary>
    private static string CanonicalHeaderValue(string value)
    {
        var builder = new StringBuilder(value.Length);
        var pendingSpace = false;
        foreach (var c in value)
        {
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                pendingSpace = builder.Length > 0;
                continue;
            }

            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    private static string Encode(string text) => AppendEncoded(new StringBuilder(text.Length), text).ToString();

    /// <summary>RFC 3986 percent-encoding of the UTF-8 bytes: <c>A-Z a-z 0-9 - . _ ~</c> kept, all else <c>%XX</c> (uppercase).</summary>
    private static StringBuilder AppendEncoded(StringBuilder builder, string text)
    {
        Span<byte> bytes = stackalloc byte[4];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~')
            {
                builder.Append(c);
                continue;
            }

            var length = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])
                ? Encoding.UTF8.GetBytes(text.AsSpan(i++, 2), bytes)
                : Encoding.UTF8.GetBytes(text.AsSpan(i, 1), bytes);
            foreach (var b in bytes[..length])
            {
                builder.Append('%').Append(UpperHex[b >> 4]).Append(UpperHex[b & 0xF]);
            }
        }

        return builder;
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));
}
