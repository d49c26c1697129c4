namespace Mesos.HA.Replication;

/// <summary>
/// Known bugs a master can be started with, one broken guarantee each, so that the chaos suite can
/// show it catches them (a checker no bug can trip proves nothing). Tests only: the master command
/// accepts <c>--inject-bug</c> only when <c>MESOS_HA_ALLOW_BUG_INJECTION=1</c> and logs a warning at
/// start; every default is <see cref="None"/>. Each bug is checked at the one place the guarantee
/// is made.
/// </summary>
[Flags]
public enum InjectedBugs
{
    None = 0,

    /// <summary>Linearizable registry reads return this master's applied copy without the read barrier or any leadership check (<see cref="ReplicatedRegistry.ReadAsync"/>).</summary>
    SkipReadBarrier = 1 << 0,

    /// <summary>A registry write is answered as soon as it is queued for the log, not once committed and flushed on a majority (<see cref="ReplicatedRegistry.ProposeAsync"/>).</summary>
    AckBeforeCommit = 1 << 1,

    /// <summary>A leader that loses leadership keeps its decision core running and its framework streams open, so it goes on sending offers (the master's leader shell and framework hub).</summary>
    DeposedLeaderKeepsOffering = 1 << 2,

    /// <summary>An agent's terminal status update is acknowledged to the agent on the framework's behalf and never forwarded (the master's core).</summary>
    DropTerminalUpdates = 1 << 3,

    /// <summary>The master sends every launch to its agent a second time a moment later, as a delivery retry would, without asking whether the agent already ran it (the master's agent hub).</summary>
    RetryLaunches = 1 << 4,

    /// <summary>The leader's sender drops the commit of every registry write instead of feeding it back to the core, so what waited for it never takes effect (the master's ordered sender; the simulator's injected bug).</summary>
    DropRegistryCommits = 1 << 5,
}

/// <summary>Parsing and naming of <see cref="InjectedBugs"/> for the command line.</summary>
public static class InjectedBugNames
{
    /// <summary>The environment variable that must be "1" for a master to accept <c>--inject-bug</c>.</summary>
    public const string AllowVariable = "MESOS_HA_ALLOW_BUG_INJECTION";

    /// <summary>Command-line names: kebab case of the flag names.</summary>
    public static readonly IReadOnlyDictionary<string, InjectedBugs> ByName = new Dictionary<string, InjectedBugs>(StringComparer.Ordinal)
    {
        ["skip-read-barrier"] = InjectedBugs.SkipReadBarrier,
        ["ack-before-commit"] = InjectedBugs.AckBeforeCommit,
        ["deposed-leader-keeps-offering"] = InjectedBugs.DeposedLeaderKeepsOffering,
        ["drop-terminal-updates"] = InjectedBugs.DropTerminalUpdates,
        ["retry-launches"] = InjectedBugs.RetryLaunches,
        ["drop-registry-commits"] = InjectedBugs.DropRegistryCommits,
    };

    /// <summary>A comma-separated list of names; null with <paramref name="error"/> set when one is unknown.</summary>
    public static InjectedBugs? Parse(string text, out string? error)
    {
        var bugs = InjectedBugs.None;
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!ByName.TryGetValue(name, out var bug))
            {
                error = $"unknown bug '{name}' (known: {string.Join(", ", ByName.Keys)})";
                return null;
            }
            bugs |= bug;
        }
        error = null;
        return bugs;
    }

    /// <summary>The names of the bugs set, comma-separated.</summary>
    public static string Describe(InjectedBugs bugs) =>
        string.Join(",", ByName.Where(b => bugs.HasFlag(b.Value)).Select(b => b.Key));
}
