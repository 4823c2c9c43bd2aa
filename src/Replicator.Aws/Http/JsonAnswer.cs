using System.Net;

namespace Replicator.Aws.Http;

/// <summary>What one signed JSON-protocol call came to: the body of a 200, an error the service answered, or no answer at all.</summary>
internal abstract record JsonAnswer
{
    private JsonAnswer()
    {
    }

    /// <summary>HTTP 200, with its body.</summary>
    public sealed record Ok(ReadOnlyMemory<byte> Body) : JsonAnswer
    {
        /// <summary>
        /// For a call made with <c>rentAnswer</c>: the rented array <see cref="Body"/> is in, to be
        /// disposed of once nothing reads the body (or a slice of it) any more. Null: the body is the GC's.
        /// </summary>
        public IDisposable? Lease { get; init; }
    }

    /// <summary>
    /// The service refused the call. <paramref name="Code"/> is the error type without its namespace
    /// (<c>ValidationException</c>), null when the answer named none; <paramref name="Message"/> is the
    /// service's message, or the start of the body when it was not a JSON error.
    /// </summary>
    public sealed record Error(HttpStatusCode Status, string? Code, string Message) : JsonAnswer
    {
        /// <summary>The whole answer, for errors that carry more than a message (a failed condition's <c>Item</c>, a cancelled transaction's <c>CancellationReasons</c>).</summary>
        public byte[] Body { get; init; } = [];
    }

    /// <summary>
    /// The service refused the call for its signing time, and the client's clock has been corrected
    /// from the server's: the call is worth making again, and the next signature uses the corrected clock.
    /// </summary>
    public sealed record ClockCorrected(string Code, string Message, DateTimeOffset SignedAt, DateTimeOffset ServerTime, TimeSpan Offset) : JsonAnswer
    {
        /// <summary>The refusal and what was done about it, for the error the caller reports.</summary>
        public string Describe(string operation) =>
            $"{operation}: {Code}: {Message} (signed at {SignedAt:u}, the server's time is {ServerTime:u}: requests are now signed with the local clock corrected by {Offset})";
    }

    /// <summary>No answer: the connection was refused or dropped, or the request timed out.</summary>
    public sealed record Unreachable(Exception Exception) : JsonAnswer;

    /// <summary>The credentials could not be had (none configured, or their source failed), so nothing was sent.</summary>
    public sealed record NoCredentials(Exception Exception) : JsonAnswer;
}
