using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Replication.Registry;

public sealed partial class Registry
{
    private static RegistryKey KeyOf(FrameworkId id) => new(RegistryKeyKind.Framework, id.Value);

    private ApplyOutcome ApplyAddFramework(AddFramework c)
    {
        if (Frameworks.ContainsKey(c.Id)) return Reject($"framework {c.Id} is already registered");
        if (Frameworks.Count >= Limits.MaxFrameworks)
            return Reject($"the registry holds the maximum of {Limits.MaxFrameworks} frameworks");
        var record = new FrameworkRecord(c.Id, c.Info, c.FailoverTimeoutMs, c.AtMs, DisconnectedAtMs: null);
        return Changed(With(frameworks: Frameworks.Add(c.Id, record)), KeyOf(c.Id));
    }

    private ApplyOutcome ApplyUpdateFramework(UpdateFramework c)
    {
        if (!Frameworks.TryGetValue(c.Id, out var framework)) return Reject($"unknown framework {c.Id}");
        var record = framework with
        {
            Info = c.Info ?? framework.Info,
            FailoverTimeoutMs = c.FailoverTimeoutMs ?? framework.FailoverTimeoutMs,
            DisconnectedAtMs = c.Connection switch
            {
                FrameworkConnectionChange.Connected => null,
                // A framework already disconnected keeps its first disconnect time: the failover
                // timeout runs from when it was lost, not from when a new leader noticed.
                FrameworkConnectionChange.Disconnected => framework.DisconnectedAtMs ?? c.AtMs,
                _ => framework.DisconnectedAtMs,
            },
        };
        if (record == framework) return NoChange($"framework {c.Id} already matches");
        return Changed(With(frameworks: Frameworks.SetItem(c.Id, record)), KeyOf(c.Id));
    }

    private ApplyOutcome ApplyRemoveFramework(RemoveFramework c)
    {
        if (!Frameworks.ContainsKey(c.Id)) return Reject($"unknown framework {c.Id}");
        return Changed(With(frameworks: Frameworks.Remove(c.Id)), KeyOf(c.Id));
    }
}
