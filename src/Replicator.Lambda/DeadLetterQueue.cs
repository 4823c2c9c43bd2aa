namespace Replicator.Lambda;

/// <summary>An SQS queue for poison records, and the region its client signs for.</summary>
internal sealed record DeadLetterQueue(string Url, string Region);
