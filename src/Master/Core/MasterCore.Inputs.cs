using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Master.Core;

public sealed partial class MasterCore
{
    /// <summary>
    /// The core's one entry point: handles one input at <paramref name="now"/> and returns the effects to
    /// carry out, in order. Inputs that may free or unblock resources end with <see cref="AllocationWanted"/>:
    /// whether an allocation is worth running before the next tick is the core's decision, not the transports'.
    /// Reconciliation queries held for an agent are answered once the input settled it.
    /// </summary>
    public IReadOnlyList<Effect> Handle(MasterInput input, DateTimeOffset now)
    {
        var effects = Decide(input, now);
        return heldCount == 0 ? effects : [.. effects, .. AnswerSettled(input)];
    }

    private IReadOnlyList<Effect> Decide(MasterInput input, DateTimeOffset now) => input switch
    {
        LeadershipStarted started => StartLeading(started, now),
        Tick tick =>
        [
            .. CheckReregistration(now),
            .. CheckAgents(now),
            .. CheckFrameworks(now),
            .. ExpireOffers(now),
            .. Allocate(tick.Weights, tick.Quotas, now),
        ],
        SubscribeFramework s => WantingAllocation(Subscribe(s.Framework, s.Info, s.FailoverTimeout, s.Known, now)),
        FrameworkDisconnected d => WantingAllocation(DisconnectFramework(d.Framework, now)),
        TeardownFramework t => WantingAllocation(Teardown(t.Framework)),
        AcceptOffers a => WantingAllocation(Accept(a.Framework, a.Offers, a.Launches, a.Refuse, now)),
        DeclineOffers d => WantingAllocation(Decline(d.Framework, d.Offers, d.Refuse, now)),
        InverseOffersAnswered a => AnswerInverseOffers(a.Framework, a.InverseOffers, a.Accept, a.Refuse, now),
        ReviveOffers r => WantingAllocation(ForEachRole(r.Roles, role => Revive(r.Framework, role))),
        SuppressOffers s => ForEachRole(s.Roles, role => Suppress(s.Framework, role)),
        KillTaskCall k => Kill(k.Framework, k.Task, k.Agent),
        UpdateAcknowledged a => Acknowledge(a.Framework, a.Agent, a.Task, a.Uuid, now),
        ReconcileTasks r => Reconcile(r.Framework, r.Queries, hold: true),
        FrameworkMessage m => Message(m.Framework, m.Agent, m.Executor, m.Data),
        ShutdownExecutorCall s => ShutdownExecutor(s.Framework, s.Executor, s.Agent),
        AgentRegistering r => WantingAllocation(RegisterAgent(r.Info, now)),
        AgentReregistering r => WantingAllocation([
            .. r.InRegistry
                ? ReregisterAgent(r.Info, r.Running, r.WasUnreachable, now, r.Executors)
                : RegisterUnknownAgent(r, now),
            // A drain a previous leader started goes on: the tasks it reports are killed (again) once it is heard
            // from on its session, or it is drained already.
            .. OweDrainKillsAndCheckDrained(r.Agent, now),
        ]),
        AgentHeartbeat h => Seen(h.Agent, now),
        AgentsSeen seen => Seen(seen.Agents, now),
        MarkAgentGoneCall g => WantingAllocation(AgentGone(g.Agent)), // the operator's call wrote the registry first
        DeactivateAgentCall d => Deactivate(d.Agent),
        DrainAgentCall d => Drain(d.Agent, d.MaxGrace, d.MarkGone, now),
        ReactivateAgentCall r => Reactivate(r.Agent),
        MaintenanceUpdated m => UpdateMachines(m.Machines, m.RemovedAgents),
        RegistryWriteCommitted c => Committed(c.Command, now),
        RegistryWriteRefused r => Refused(r.Command, r.Reason),
        AgentStatusUpdate u => StatusUpdateFromAgent(u, now),
        ExecutorMessageReceived m => ExecutorMessage(m, now),
        ExecutorTerminated t => ExecutorEnded(t.Agent, t.Framework, t.Executor, t.Status, now),
        _ => throw new ArgumentOutOfRangeException(nameof(input), input.GetType().Name, "no such input"),
    };

    /// <summary>A registry write this core proposed committed: what waited for it takes effect (and is worth an allocation).</summary>
    private IReadOnlyList<Effect> Committed(RegistryCommand command, DateTimeOffset now) => command switch
    {
        AdmitAgent a when pendingAgents.ContainsKey(a.Info.Id) => [.. AgentAdmitted(a.Info.Id, now), AllocationWanted.Instance],
        // A draining agent back from unreachable: drained already if it came back without tasks.
        ReadmitAgent r when pendingAgents.ContainsKey(r.Info.Id) => [.. AgentAdmitted(r.Info.Id, now), .. CheckDrained(r.Info.Id, now), AllocationWanted.Instance],
        AddFramework f when pendingFrameworks.ContainsKey(f.Id) => [.. FrameworkAdded(f.Id), AllocationWanted.Instance],
        _ => [], // the other writes record what the core already did (removals, marks, connection changes)
    };

    /// <summary>
    /// The registry refused a write this core proposed. An admission that waited for it does not take
    /// effect and its caller is told; a refused removal or mark leaves the registry's own view, from which
    /// the next leader starts (an agent it still holds must re-register with that leader to count).
    /// </summary>
    private IReadOnlyList<Effect> Refused(RegistryCommand command, string reason) => command switch
    {
        AdmitAgent a => AgentRefused(a.Info.Id, reason),
        ReadmitAgent r => AgentRefused(r.Info.Id, reason),
        AddFramework f => FrameworkRefused(f.Id, reason),
        _ => [],
    };

    private IReadOnlyList<Effect> StartLeading(LeadershipStarted started, DateTimeOffset now)
    {
        StartReregistrationWindow(started.ActiveAgents, started.ReregistrationWindow, now);
        RecoverMaintenance(started.Maintenance);
        machines = [.. started.Machines.OrderBy(m => m.Window).ThenBy(m => m.Order)];
        foreach (var id in started.UnreachableAgents) unreachableAgents.Add(id);
        var effects = new List<Effect>();
        foreach (var f in started.Frameworks.OrderBy(f => f.Id.Value, StringComparer.Ordinal))
            effects.AddRange(RecoverFramework(f.Id, f.Roles, f.PartitionAware, f.FailoverTimeout, f.DisconnectedAt, now, started.ReregistrationWindow));
        return effects;
    }

    private IReadOnlyList<Effect> Seen(AgentId agent, DateTimeOffset now)
    {
        AgentSeen(agent, now);
        return DrainKillsDue(agent);
    }

    private IReadOnlyList<Effect> OweDrainKillsAndCheckDrained(AgentId agent, DateTimeOffset now)
    {
        OweDrainKills(agent);
        return CheckDrained(agent, now);
    }

    private IReadOnlyList<Effect> Seen(IReadOnlyList<AgentId> seen, DateTimeOffset now)
    {
        AgentsHeard(seen, now);
        if (drainKillsOwed.Count == 0) return [];
        return [.. seen.OrderBy(a => a.Value, StringComparer.Ordinal).SelectMany(DrainKillsDue)];
    }

    private IReadOnlyList<Effect> StatusUpdateFromAgent(AgentStatusUpdate u, DateTimeOffset now)
    {
        AgentSeen(u.Agent, now);
        var effects = StatusUpdate(u.Agent, u.Framework, u.Task, u.State, u.Uuid, u.Message, u.Reason, u.Details);
        return u.State.IsTerminal() ? WantingAllocation(effects) : effects; // a terminal task gave its resources back
    }

    private static IReadOnlyList<Effect> ForEachRole(IReadOnlyList<string> roles, Action<string> change)
    {
        foreach (var role in roles) change(role);
        return [];
    }

    /// <summary>
    /// The effects, and a wish for an allocation soon unless the input was refused as a whole or what it
    /// adds waits for a registry write (the wish then comes with the commit).
    /// </summary>
    private static IReadOnlyList<Effect> WantingAllocation(IReadOnlyList<Effect> effects) =>
        effects.Any(e => e is CallRejected or ProposeRegistry { Command: AdmitAgent or ReadmitAgent or Protocol.Registry.AddFramework })
            ? effects
            : [.. effects, AllocationWanted.Instance];
}
