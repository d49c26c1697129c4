using System.Globalization;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Agent.Tasks;

/// <summary>
/// Memory and CPU limits through cgroup v2. Usable only when the agent runs in a cgroup v2 whose
/// <c>cgroup.subtree_control</c> already enables the <c>memory</c> and <c>cpu</c> controllers and
/// which it may write (systemd <c>Delegate=yes</c>, or a container given its own cgroup namespace).
/// Each task then gets a child cgroup with <c>memory.max</c> = its mem and <c>cpu.max</c> = its cpus;
/// otherwise tasks run unlimited and the agent says why once at start.
/// </summary>
public sealed class Cgroups
{
    private readonly string? parent;

    private Cgroups(string? parent, string reason)
    {
        this.parent = parent;
        Reason = reason;
    }

    /// <summary>Why limits are or are not enforced (logged at start).</summary>
    public string Reason { get; }

    public bool Enabled => parent is not null;

    /// <summary>Looks at the machine: <paramref name="root"/> is the cgroup2 mount, <paramref name="selfCgroup"/> this process's membership file.</summary>
    public static Cgroups Detect(bool wanted, string root = "/sys/fs/cgroup", string selfCgroup = "/proc/self/cgroup")
    {
        if (!wanted) return new Cgroups(null, "cgroup limits are turned off");
        if (!File.Exists(Path.Combine(root, "cgroup.controllers")))
            return new Cgroups(null, $"no cgroup v2 hierarchy at {root}: task memory and CPU are not limited");
        var line = File.Exists(selfCgroup) ? File.ReadAllLines(selfCgroup).FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal)) : null;
        if (line is null) return new Cgroups(null, "this process is not in a cgroup v2: task memory and CPU are not limited");
        var own = Path.Combine(root, line[3..].TrimStart('/'));
        var control = Path.Combine(own, "cgroup.subtree_control");
        var enabled = File.Exists(control) ? File.ReadAllText(control).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
        if (!enabled.Contains("memory") || !enabled.Contains("cpu"))
            return new Cgroups(null, $"cgroup {own} does not delegate the memory and cpu controllers: task memory and CPU are not limited");
        try
        {
            var probe = Path.Combine(own, "mesos-ha-probe-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(probe);
            Directory.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new Cgroups(null, $"cgroup {own} is not writable ({e.Message}): task memory and CPU are not limited");
        }
        return new Cgroups(own, $"tasks get cgroups under {own} with memory.max and cpu.max");
    }

    /// <summary>Creates the run's cgroup with its limits; null when limits are not enforced.</summary>
    public string? Create(string runId, Resources resources)
    {
        if (parent is null) return null;
        var path = Path.Combine(parent, "task-" + runId);
        Directory.CreateDirectory(path);
        var mem = resources.Total("mem");
        if (mem > Scalar.Zero)
            File.WriteAllText(Path.Combine(path, "memory.max"), (mem.Milli * 1024 * 1024 / Scalar.Scale).ToString(CultureInfo.InvariantCulture));
        var cpus = resources.Total("cpus");
        if (cpus > Scalar.Zero)
        {
            const long period = 100_000;
            var quota = Math.Max(1000, cpus.Milli * period / Scalar.Scale);
            File.WriteAllText(Path.Combine(path, "cpu.max"), $"{quota} {period}");
        }
        return path;
    }

    /// <summary>Removes a run's cgroup once its processes are gone.</summary>
    public void Remove(string runId)
    {
        if (parent is null) return;
        try { Directory.Delete(Path.Combine(parent, "task-" + runId)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* still populated or already gone */ }
    }
}
