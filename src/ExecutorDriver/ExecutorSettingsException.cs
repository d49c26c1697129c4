namespace Mesos.HA.ExecutorDriver;

/// <summary>The executor's environment lacks a variable the driver needs, or holds one it cannot read.</summary>
public sealed class ExecutorSettingsException(string variable, string message) : Exception($"{variable}: {message}")
{
    /// <summary>The environment variable at fault (MESOS_AGENT_ENDPOINT, say).</summary>
    public string Variable { get; } = variable;
}
