using Mesos.HA.Master.Allocation;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Master.Core;

/// <summary>
/// Machines in the maintenance schedule, with Mesos' semantics. A DRAINING machine's agents keep
/// offering, each offer carrying the machine's unavailability, and every framework holding resources on
/// one of them gets an inverse offer: a request to be done with the agent by then. The framework's
/// answer is written to the registry; asked again once its refuse time passes. A machine taken DOWN
/// loses its agents (the registry removed them with the same write): each is told to shut down and its
/// tasks end as lost. The registry holds the schedule; the core is told it whole after each change.
/// </summary>
public sealed partial class MasterCore
{
    private IReadOnlyList<MachineRecord> machines = [];
    private readonly Dictionary<OfferId, InverseOffer> inverseOffers = new();
    private readonly List<OfferFilter> inverseFilters = new();

    /// <summary>The inverse offers outstanding.</summary>
    public IReadOnlyCollection<InverseOffer> InverseOffers => inverseOffers.Values;

    /// <summary>The scheduled machine an agent runs on (the first in the schedule's order that holds it), or null.</summary>
    private MachineRecord? MachineHolding(string hostname, string ip)
    {
        foreach (var machine in machines)
            if (machine.Id.Holds(hostname, ip)) return machine;
        return null;
    }

    /// <summary>
    /// Notes where an agent that now counts runs, so its offers and inverse offers follow its machine. An
    /// agent whose machine went DOWN while its admission was being written (the registry removed it since)
    /// is shut out at once.
    /// </summary>
    private IReadOnlyList<Effect> Place(AgentInfo info)
    {
        if (!agents.TryGetValue(info.Id.Value, out var agent)) return [];
        agent.Hostname = info.Hostname;
        agent.Ip = MachineId.IpOf(info.Endpoint);
        agent.Machine = MachineHolding(agent.Hostname, agent.Ip);
        return agent.Machine is { Mode: MachineMode.Down } down ? AgentDown(agent.Id, down.Id) : [];
    }

    /// <summary>
    /// The registry's schedule changed (an operator's UPDATE_MAINTENANCE_SCHEDULE, START_MAINTENANCE or
    /// STOP_MAINTENANCE committed). Agents on machines now DOWN are shut out; agents whose unavailability
    /// changed have their offers and inverse offers withdrawn, to be made again with the new one.
    /// </summary>
    private IReadOnlyList<Effect> UpdateMachines(IReadOnlyList<MachineRecord> scheduled, IReadOnlyList<AgentId> removed)
    {
        machines = [.. scheduled.OrderBy(m => m.Window).ThenBy(m => m.Order)];
        var effects = new List<Effect>();
        var stopped = new HashSet<AgentId>();
        foreach (var agent in agents.Values.ToArray())
        {
            var before = agent.Machine;
            agent.Machine = MachineHolding(agent.Hostname, agent.Ip);
            if (agent.Machine is { Mode: MachineMode.Down } down)
            {
                stopped.Add(agent.Id);
                effects.AddRange(AgentDown(agent.Id, down.Id));
                continue;
            }
            if (before?.Unavailability == agent.Machine?.Unavailability) continue;
            effects.AddRange(RescindOnAgent(agent.Id));
            effects.AddRange(RescindInverseWhere(i => i.Agent == agent.Id));
            inverseFilters.RemoveAll(f => f.Agent == agent.Id);
        }
        foreach (var id in removed.Where(id => !stopped.Contains(id) && !agents.ContainsKey(id.Value)).OrderBy(id => id.Value, StringComparer.Ordinal))
            effects.AddRange(AgentRemovedWhileAway(id));
        effects.Add(AllocationWanted.Instance);
        return effects;
    }

    /// <summary>
    /// An agent the registry removed with its machine that this core knows by id only (it has not
    /// re-registered with this leader, or is unreachable): it will not come back as itself (a shut-out agent
    /// registers anew), so the tasks this core holds on it end now, as they would had it been connected.
    /// </summary>
    private IReadOnlyList<Effect> AgentRemovedWhileAway(AgentId id)
    {
        awaitingReregistration.Remove(id);
        unreachableAgents.Remove(id);
        maintenance.Remove(id);
        var effects = new List<Effect> { new AgentLost(id) };
        foreach (var task in tasks.OnAgent(id).Where(t => IsLive(t.State) || t.State == TaskState.Unreachable || EndNotHeard(t))
                     .OrderBy(t => t.Id.Value, StringComparer.Ordinal).ThenBy(t => t.Framework.Value, StringComparer.Ordinal).ToArray())
        {
            var state = EndNotHeard(task) ? task.State
                : frameworks.TryGetValue(task.Framework.Value, out var f) && f.PartitionAware ? TaskState.Gone : TaskState.Lost;
            effects.Add(EndedByMaster(task, state, "REASON_AGENT_REMOVED", $"agent {id} was removed: its machine is DOWN for maintenance"));
        }
        return effects;
    }

    /// <summary>An agent on a machine taken DOWN: told to shut down, removed, its tasks lost (gone for partition-aware frameworks).</summary>
    private List<Effect> AgentDown(AgentId id, MachineId machine)
    {
        var message = $"machine {machine} is DOWN for maintenance";
        return [new StopAgent(id, message), .. AgentRemoved(id, partitionAware => partitionAware ? TaskState.Gone : TaskState.Lost,
            "REASON_AGENT_REMOVED", message)];
    }

    /// <summary>
    /// Inverse offers for every connected framework holding resources on an agent of a DRAINING machine
    /// that has none outstanding for it and no refusal in force; one <see cref="SendInverseOffers"/> per framework.
    /// </summary>
    private IReadOnlyList<Effect> InverseOffersDue(DateTimeOffset now)
    {
        if (machines.Count == 0) return [];
        inverseFilters.RemoveAll(f => f.Until <= now);
        var draining = agents.Values.Where(a => a.Machine is { Mode: MachineMode.Draining }).ToDictionary(a => a.Id);
        if (draining.Count == 0) return [];
        var holders = new SortedSet<(string Agent, string Framework)>();
        foreach (var (agent, framework, _, _) in Holdings())
            if (draining.ContainsKey(agent)) holders.Add((agent.Value, framework.Value));
        var byFramework = new SortedDictionary<string, List<InverseOffer>>(StringComparer.Ordinal);
        foreach (var (agentId, frameworkId) in holders)
        {
            var agent = new AgentId(agentId);
            var framework = new FrameworkId(frameworkId);
            if (!frameworks.TryGetValue(frameworkId, out var f) || !f.Connected) continue;
            if (inverseOffers.Values.Any(i => i.Agent == agent && i.Framework == framework)) continue;
            if (inverseFilters.Any(x => x.Agent == agent && x.Framework == framework)) continue;
            var inverse = new InverseOffer(NextOfferId(), framework, agent, draining[agent].Machine!.Unavailability, now);
            inverseOffers[inverse.Id] = inverse;
            if (!byFramework.TryGetValue(frameworkId, out var mine)) byFramework[frameworkId] = mine = [];
            mine.Add(inverse);
        }
        return [.. byFramework.Values.Select(mine => new SendInverseOffers(mine[0].Framework, mine))];
    }

    /// <summary>
    /// ACCEPT_INVERSE_OFFERS or DECLINE_INVERSE_OFFERS: the answers are written to the registry (the
    /// maintenance status shows them) and the framework is asked again for that agent after the refuse time.
    /// </summary>
    private IReadOnlyList<Effect> AnswerInverseOffers(FrameworkId framework, IReadOnlyList<OfferId> ids, bool accept, TimeSpan? refuse,
        DateTimeOffset now)
    {
        var asked = ids.Distinct().ToArray();
        var mine = asked.Where(id => inverseOffers.TryGetValue(id, out var i) && i.Framework == framework).ToArray();
        if (mine.Length != asked.Length)
            return [new CallRejected(framework, $"unknown inverse offers or inverse offers of another framework: {string.Join(",", asked.Except(mine))}")];
        var effects = new List<Effect>();
        foreach (var id in mine)
        {
            inverseOffers.Remove(id, out var inverse);
            var wait = refuse ?? options.DefaultRefuse;
            if (wait > TimeSpan.Zero)
            {
                inverseFilters.RemoveAll(f => f.Framework == framework && f.Agent == inverse!.Agent);
                inverseFilters.Add(new OfferFilter(framework, inverse!.Agent, now + wait));
            }
            if (agents.TryGetValue(inverse!.Agent.Value, out var agent) && agent.Machine is { Mode: MachineMode.Draining } machine)
                effects.Add(new ProposeRegistry(new SetInverseOfferStatus(machine.Id, framework,
                    accept ? InverseOfferAnswer.Accept : InverseOfferAnswer.Decline, now.ToUnixTimeMilliseconds())));
        }
        return effects;
    }

    private IReadOnlyList<Effect> RescindInverseWhere(Func<InverseOffer, bool> predicate)
    {
        if (inverseOffers.Count == 0) return [];
        var gone = inverseOffers.Values.Where(predicate).OrderBy(i => i.Id.Value, StringComparer.Ordinal).ToArray();
        foreach (var inverse in gone) inverseOffers.Remove(inverse.Id);
        return [.. gone.Select(i => new RescindInverseOffer(i.Framework, i.Id))];
    }
}
