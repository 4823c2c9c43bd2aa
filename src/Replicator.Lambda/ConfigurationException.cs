namespace Replicator.Lambda;

/// <summary>A configuration variable is missing or malformed. The message names the variable and the form it takes.</summary>
internal sealed class ConfigurationException(string variable, string message) : Exception(message)
{
    public string Variable { get; } = variable;
}
