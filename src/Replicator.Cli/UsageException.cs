namespace Replicator.Cli;

/// <summary>A problem with what the user asked for; the message names the option or resource and says what is expected.</summary>
internal sealed class UsageException(string message) : Exception(message);
