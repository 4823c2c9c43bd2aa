namespace Replicator.Verification;

/// <summary>
/// Verify cannot start: a table does not exist, or a target's key differs from the source's. The
/// message names the option (<c>--source</c>, <c>--target</c>) and the table.
/// </summary>
public sealed class VerificationSetupException(string message) : Exception(message);
