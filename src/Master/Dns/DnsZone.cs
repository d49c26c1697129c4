using System.Collections.Frozen;
using System.Net;

namespace Mesos.HA.Master.Dns;

/// <summary>
/// The task names of one moment, indexed for lookups: <c>&lt;task&gt;.&lt;framework&gt;</c> to every instance,
/// <c>&lt;task&gt;-&lt;id&gt;.&lt;framework&gt;</c> to one. Immutable; built off the query path (the shell swaps
/// in a new one when the tasks change). Tasks whose agent address is not an IP address, or whose
/// name or framework name leaves no label, get no names.
/// </summary>
public sealed class DnsZone
{
    public static readonly DnsZone Empty = new([]);

    private readonly FrozenDictionary<string, Instance[]> byName;
    private readonly FrozenDictionary<string, Instance> byInstance;

    /// <summary>One named task instance: its agent's address and its ports, in order.</summary>
    public sealed record Instance(string TaskId, string Host, IPAddress Address, IReadOnlyList<int> Ports);

    private DnsZone(IReadOnlyList<DnsTask> tasks)
    {
        var named = new List<(string Name, Instance Instance)>();
        foreach (var task in tasks)
        {
            if (DnsNames.Label(task.Task) is not { } t || DnsNames.Label(task.Framework) is not { } f) continue;
            if (!IPAddress.TryParse(task.Address, out var address)) continue;
            var host = $"{DnsNames.InstanceLabel(t, task.TaskId)}.{f}";
            named.Add(($"{t}.{f}", new Instance(task.TaskId, host, address, [.. task.Ports.Where(p => p is > 0 and <= ushort.MaxValue).Order()])));
        }
        byName = named.GroupBy(n => n.Name, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.Select(n => n.Instance).OrderBy(i => i.TaskId, StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        // Two task ids can sanitize to one label; the first (by id) keeps the name, as lookups must be unambiguous.
        byInstance = named.Select(n => n.Instance).OrderBy(i => i.TaskId, StringComparer.Ordinal)
            .DistinctBy(i => i.Host, StringComparer.Ordinal).ToFrozenDictionary(i => i.Host, StringComparer.Ordinal);
        Count = tasks.Count;
    }

    public static DnsZone Build(IReadOnlyList<DnsTask> tasks) => tasks.Count == 0 ? Empty : new DnsZone(tasks);

    /// <summary>How many tasks it was built from.</summary>
    public int Count { get; }

    /// <summary>Every instance of the task named <paramref name="taskAndFramework"/> (<c>task.framework</c>, labels), sorted by task id.</summary>
    public IReadOnlyList<Instance> Named(string taskAndFramework) => byName.GetValueOrDefault(taskAndFramework) ?? [];

    /// <summary>The instance named <paramref name="host"/> (<c>task-id.framework</c>, labels), if any.</summary>
    public Instance? Find(string host) => byInstance.GetValueOrDefault(host);
}
