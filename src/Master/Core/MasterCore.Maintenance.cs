using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Master.Core;

/// <summary>
/// Agents an operator took out of offers. A deactivated agent keeps its tasks and offers nothing; a
/// draining one also has every task killed (with the grace capped) and becomes drained once the last
/// of them ended and was acknowledged, then gone if the operator asked for it. The registry holds
/// these states (a new leader starts from them); the core holds them as a map beside the agents.
/// </summary>
public sealed partial class MasterCore
{
    private sealed record Maintenance(bool Draining, TimeSpan? MaxGrace, bool MarkGone, bool Drained);

    private readonly Dictionary<AgentId, Maintenance> maintenance = new();

    /// <summary>Whether the agent is kept out of offers.</summary>
    private bool Deactivated(AgentId agent) => maintenance.Count > 0 && maintenance.ContainsKey(agent);

    /// <summary>A new leader's starting point, from the registry.</summary>
    private void RecoverMaintenance(IReadOnlyList<AgentMaintenanceState> states)
    {
        foreach (var s in states)
            maintenance[s.Agent] = new Maintenance(s.State.Draining, s.State.MaxGraceMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
                s.State.MarkGone, s.State.Drained);
    }

    /// <summary>DEACTIVATE_AGENT (written to the registry first): no more offers from the agent; the outstanding ones are rescinded.</summary>
    private IReadOnlyList<Effect> Deactivate(AgentId agent)
    {
        maintenance.TryAdd(agent, new Maintenance(Draining: false, MaxGrace: null, MarkGone: false, Drained: false));
        return RescindOnAgent(agent);
    }

    /// <summary>DRAIN_AGENT (written to the registry first): deactivated, and every live task on it killed with at most the grace given.</summary>
    private IReadOnlyList<Effect> Drain(AgentId agent, TimeSpan? maxGrace, bool markGone, DateTimeOffset now)
    {
        var drained = maintenance.TryGetValue(agent, out var before) && before.Drained;
        maintenance[agent] = new Maintenance(Draining: true, maxGrace, markGone, drained);
        return [.. RescindOnAgent(agent), .. KillsForDrain(agent), .. CheckDrained(agent, now)];
    }

    /// <summary>REACTIVATE_AGENT (written to the registry first): the agent offers again; a drain stops (tasks already killed stay killed).</summary>
    private IReadOnlyList<Effect> Reactivate(AgentId agent) => maintenance.Remove(agent) ? [AllocationWanted.Instance] : [];

    // Draining agents that re-registered with this leader and have not been heard from on their new session yet.
    private readonly HashSet<AgentId> drainKillsOwed = new();

    /// <summary>
    /// A draining agent re-registers (with a leader that took over the drain, or after a lost connection): its
    /// tasks are killed once it is heard from on its new session. Not in the re-registration's own decision: the
    /// agent hub opens the session only after that decision was carried out, so a kill in it reached no one, and
    /// a drain whose first kills died with the leader that started it never ended (OperatorApiTests, CI). The
    /// agent pings within a ping interval (an <see cref="AgentsSeen"/> or <see cref="AgentHeartbeat"/>); a readmitted
    /// agent's tasks are known by then or at a later one.
    /// </summary>
    private void OweDrainKills(AgentId agent)
    {
        if (maintenance.TryGetValue(agent, out var m) && m.Draining && !m.Drained) drainKillsOwed.Add(agent);
    }

    /// <summary>The agent was heard from on its session: the drain's kills it is owed go out, once it counts here.</summary>
    private IReadOnlyList<Effect> DrainKillsDue(AgentId agent)
    {
        if (drainKillsOwed.Count == 0 || !drainKillsOwed.Contains(agent) || !agents.ContainsKey(agent.Value) || pendingAgents.ContainsKey(agent))
            return [];
        drainKillsOwed.Remove(agent);
        return [.. KillsForDrain(agent)];
    }

    private IEnumerable<Effect> KillsForDrain(AgentId agent)
    {
        if (!maintenance.TryGetValue(agent, out var m) || !m.Draining || m.Drained) return [];
        return tasks.OnAgent(agent).Where(t => IsLive(t.State))
            .OrderBy(t => t.Framework.Value, StringComparer.Ordinal).ThenBy(t => t.Id.Value, StringComparer.Ordinal)
            .Select(t => new KillTask(agent, t.Framework, t.Id) { Grace = m.MaxGrace })
            .ToArray();
    }

    /// <summary>
    /// A draining agent none of whose tasks the master still tracks (each ended and its end was
    /// acknowledged) is drained: the registry is told, and the agent is marked gone if the drain asked for it.
    /// </summary>
    private IReadOnlyList<Effect> CheckDrained(AgentId agent, DateTimeOffset now)
    {
        if (!maintenance.TryGetValue(agent, out var m) || !m.Draining || m.Drained) return [];
        // Its (re)admission is being written: the tasks it reported count only once that commits, and are checked then.
        if (pendingAgents.ContainsKey(agent)) return [];
        if (tasks.OnAgent(agent).Any()) return [];
        maintenance[agent] = m with { Drained = true };
        var effects = new List<Effect> { new ProposeRegistry(new MarkAgentDrained(agent)) };
        if (m.MarkGone) effects.AddRange(MarkAgentGone(agent, now));
        return effects;
    }
}

/// <summary>An agent's maintenance state as the registry holds it, for a new leader.</summary>
public sealed record AgentMaintenanceState(AgentId Agent, AgentMaintenance State);
