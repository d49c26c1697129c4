using Xunit;

namespace Mesos.HA.Agent.Tests;

/// <summary>Runs as root only (CI does): the agent switches a task's user only when it is root itself; skipped, saying so, otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess) Skip = $"needs root: the agent switches users only when it runs as root (running as {Environment.UserName})";
    }
}
