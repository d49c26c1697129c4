using System.Runtime.InteropServices;

namespace Mesos.HA.Protocol.Health;

/// <summary>
/// SIGKILL for a command check's process group. The agent's <c>ProcessGroup</c> (Mesos.HA.Agent.Tasks)
/// does the same and more, but executors do not reference the agent, so this is the one call they need.
/// </summary>
internal static partial class HealthProcessGroup
{
    private const int SigKill = 9;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>Kills every process of the group <paramref name="groupId"/> leads (its leader's pid).</summary>
    public static void KillGroup(int groupId)
    {
        if (groupId <= 1) return; // never signal init or "every process"
        Kill(-groupId, SigKill);
    }
}
