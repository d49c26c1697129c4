namespace Mesos.HA.Agent.Tasks;

/// <summary>
/// Whom a task or executor runs as (Mesos' <c>--switch_user</c>): with the switch on and the agent
/// root, the task's user (the command's user when given, else the framework's); otherwise the
/// agent's own user, as a non-root agent could not switch. A user the machine does not know is a
/// refusal: nothing runs.
/// </summary>
public sealed class UserSwitch(bool enabled, bool agentIsRoot, Func<string, UnixUser?> lookup)
{
    /// <summary>The switch for this process: root is <c>geteuid() == 0</c>, users come from <c>getpwnam</c>.</summary>
    public static UserSwitch ForThisProcess(bool enabled) => new(enabled, Environment.IsPrivilegedProcess, UserAccounts.Lookup);

    /// <summary>Whether tasks run as their own user.</summary>
    public bool Active => enabled && agentIsRoot;

    /// <summary>Why tasks run as whom they run as, for the agent's start-up log.</summary>
    public string Describe() => (enabled, agentIsRoot) switch
    {
        (true, true) => "Tasks run as their user (the command's user, else the framework's)",
        (true, false) => $"The agent does not run as root: tasks run as the agent's user ({Environment.UserName}), not as their own",
        _ => $"--switch-user is off: tasks run as the agent's user ({Environment.UserName})",
    };

    /// <summary>Whom to run as, for a launch whose command names <paramref name="commandUser"/> and whose framework <paramref name="frameworkUser"/>.</summary>
    public RunAs Decide(string? commandUser, string? frameworkUser)
    {
        if (!Active) return RunAs.AgentUser;
        var name = string.IsNullOrEmpty(commandUser) ? frameworkUser : commandUser;
        // A launch that names nobody (a master that did not send the framework) keeps the agent's user, as before.
        if (string.IsNullOrEmpty(name)) return RunAs.AgentUser;
        return lookup(name) is { } user ? RunAs.Switched(user) : RunAs.Refused($"user '{name}' does not exist on this agent");
    }
}
