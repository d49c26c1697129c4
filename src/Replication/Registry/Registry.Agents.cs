using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Replication.Registry;

public sealed partial class Registry
{
    private static RegistryKey KeyOf(AgentId id) => new(RegistryKeyKind.Agent, id.Value);

    private ApplyOutcome ApplyAdmitAgent(AdmitAgent c)
    {
        var id = c.Info.Id;
        if (Agents.ContainsKey(id)) return Reject($"agent {id} is already admitted");
        if (Agents.Count >= Limits.MaxAgents) return Reject($"the registry holds the maximum of {Limits.MaxAgents} agents");
        if (DownMachineOf(c.Info) is { } down) return Reject(down);
        var record = new AgentRecord(c.Info, AgentStatus.Active, c.AtMs, UnreachableSinceMs: null, GoneAtMs: null);
        return Changed(With(agents: Agents.Add(id, record)), KeyOf(id));
    }

    private ApplyOutcome ApplyMarkAgentUnreachable(MarkAgentUnreachable c)
    {
        if (!Agents.TryGetValue(c.AgentId, out var agent)) return Reject($"unknown agent {c.AgentId}");
        switch (agent.Status)
        {
            case AgentStatus.Gone: return Reject($"agent {c.AgentId} is gone");
            case AgentStatus.Unreachable: return NoChange($"agent {c.AgentId} is already unreachable");
        }
        var record = agent with { Status = AgentStatus.Unreachable, UnreachableSinceMs = c.AtMs };
        return Changed(With(agents: Agents.SetItem(c.AgentId, record)), KeyOf(c.AgentId));
    }

    private ApplyOutcome ApplyReadmitAgent(ReadmitAgent c)
    {
        var id = c.Info.Id;
        if (!Agents.TryGetValue(id, out var agent)) return Reject($"unknown agent {id}");
        if (agent.Status == AgentStatus.Gone) return Reject($"agent {id} is gone and cannot be readmitted");
        if (DownMachineOf(c.Info) is { } down) return Reject(down);
        if (agent.Status == AgentStatus.Active && SameInfo(agent.Info, c.Info))
            return NoChange($"agent {id} is already active");
        var record = agent with { Info = c.Info, Status = AgentStatus.Active, UnreachableSinceMs = null };
        return Changed(With(agents: Agents.SetItem(id, record)), KeyOf(id));
    }

    private ApplyOutcome ApplyMarkAgentGone(MarkAgentGone c)
    {
        if (!Agents.TryGetValue(c.AgentId, out var agent)) return Reject($"unknown agent {c.AgentId}");
        if (agent.Status == AgentStatus.Gone) return NoChange($"agent {c.AgentId} is already gone");
        var record = agent with { Status = AgentStatus.Gone, GoneAtMs = c.AtMs };
        return Changed(With(agents: Agents.SetItem(c.AgentId, record)), KeyOf(c.AgentId));
    }

    private ApplyOutcome ApplyRemoveAgent(RemoveAgent c)
    {
        if (!Agents.ContainsKey(c.AgentId)) return Reject($"unknown agent {c.AgentId}");
        return Changed(With(agents: Agents.Remove(c.AgentId)), KeyOf(c.AgentId));
    }

    /// <summary>Sets an agent's maintenance state to what <paramref name="change"/> makes of it; a gone agent is refused.</summary>
    private ApplyOutcome ApplyMaintenance(AgentId id, Func<AgentMaintenance?, AgentMaintenance?> change)
    {
        if (!Agents.TryGetValue(id, out var agent)) return Reject($"unknown agent {id}");
        if (agent.Status == AgentStatus.Gone) return Reject($"agent {id} is gone");
        var next = change(agent.Maintenance);
        if (next == agent.Maintenance) return NoChange($"agent {id} is already in that state");
        return Changed(With(agents: Agents.SetItem(id, agent with { Maintenance = next })), KeyOf(id));
    }

    private static bool SameInfo(AgentInfo a, AgentInfo b) =>
        a.Id == b.Id && a.Hostname == b.Hostname && a.Endpoint == b.Endpoint && a.Resources == b.Resources
        && a.Attributes.Count == b.Attributes.Count
        && a.Attributes.All(kv => b.Attributes.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
