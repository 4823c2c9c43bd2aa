using System.Text.Json.Serialization;
using Replicator.Model;

namespace Replicator.Lambda;

// Wire shapes the function sends to the Lambda runtime API. Serialized by source generation only
// (no reflection), so the Native AOT bootstrap publishes without trim warnings.

/// <summary>One entry of a partial batch response: the sequence number from which the batch is retried.</summary>
internal sealed record BatchItemFailure(string ItemIdentifier);

/// <summary>
/// The partial batch response of a DynamoDB Streams event source mapping with
/// <c>ReportBatchItemFailures</c>: <c>{"batchItemFailures":[{"itemIdentifier":"…"}]}</c>. Lambda
/// checkpoints before the lowest identifier and retries from there; an empty list means all applied.
/// </summary>
internal sealed record BatchResponse(IReadOnlyList<BatchItemFailure> BatchItemFailures)
{
    /// <summary>One entry for the earliest record not durable, or none when the batch applied.</summary>
    public static BatchResponse For(SequenceNumber? firstFailure) =>
        new(firstFailure is { } first ? [new BatchItemFailure(first.Value)] : []);
}

/// <summary>
/// An error as the runtime API takes it, for an invocation or for initialization:
/// <c>{"errorMessage":"…","errorType":"…","stackTrace":[…]}</c>. <see cref="ErrorType"/> is also sent
/// in the <c>Lambda-Runtime-Function-Error-Type</c> header.
/// </summary>
internal sealed record FunctionError(string ErrorMessage, string ErrorType, IReadOnlyList<string> StackTrace)
{
    public static FunctionError Of(string errorType, string message) => new(message, errorType, []);

    /// <summary>An exception nobody expected: its type and message, and its stack trace line by line.</summary>
    public static FunctionError Unexpected(string errorType, Exception exception) => new(
        $"{exception.GetType().Name}: {exception.Message}",
        errorType,
        (exception.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

/// <summary>The <c>errorType</c> values this function reports, in one place.</summary>
internal static class ErrorTypes
{
    /// <summary>A variable of the function's configuration is missing or malformed (an init error).</summary>
    public const string Configuration = "Replicator.ConfigurationError";

    /// <summary>Initialization failed for another reason, such as an AWS client that could not be built (an init error).</summary>
    public const string Initialization = "Replicator.InitializationError";

    /// <summary>The event as a whole is unreadable: not JSON, or no <c>Records</c> array.</summary>
    public const string MalformedEvent = "Replicator.MalformedEvent";

    /// <summary>A record failed whose sequence number is unknown, so no partial response can name it: the whole batch is retried.</summary>
    public const string BatchFailed = "Replicator.BatchFailed";

    /// <summary>A target is the event's source table (or one table is a target twice): nothing is written, and Lambda retries until the configuration is fixed.</summary>
    public const string TargetIsSource = "Replicator.TargetIsSource";

    /// <summary>Multi-active: the event does not say which one table it comes from (<c>eventSourceARN</c>), so there is no local replica; nothing is written.</summary>
    public const string UnknownSource = "Replicator.UnknownSource";

    /// <summary>Anything else thrown while handling an invocation.</summary>
    public const string Unexpected = "Replicator.UnexpectedError";
}

[JsonSourceGenerationOptions(
    GenerationMode = JsonSourceGenerationMode.Serialization,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(BatchResponse))]
[JsonSerializable(typeof(FunctionError))]
internal sealed partial class RuntimeApiJsonContext : JsonSerializerContext;
