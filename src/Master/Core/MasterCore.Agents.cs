using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Master.Core;

public sealed partial class MasterCore
{
    /// <summary>
    /// An agent re-registered (after a master failover, or back from a partition) with the tasks and
    /// custom executors it runs: the master adopts them as the agent reports them.
    /// </summary>
    public void ReregisterAgent(AgentId id, Resources total, IReadOnlyList<ReportedTask> running, DateTimeOffset now,
        IReadOnlyList<ReportedExecutor>? executorsRunning = null)
    {
        AddAgent(id, total, now);
        AdoptExecutors(id, executorsRunning ?? []);
        foreach (var task in running)
        {
            tasks[(task.Framework, task.Id)] = new TrackedTask(task.Id, task.Framework, id, task.Role, task.Resources, task.State);
            if (task.Unacknowledged is { } next) resendPending[(task.Framework, task.Id)] = next;
            else resendPending.Remove((task.Framework, task.Id));
        }
    }

    /// <summary>The agent answered a ping (or sent anything): it is alive now.</summary>
    public void AgentSeen(AgentId id, DateTimeOffset now)
    {
        if (!agents.TryGetValue(id.Value, out var agent)) return;
        agent.LastSeen = now;
        agent.MissedReports = 0;
    }

    // Whether the shell reports liveness (AgentsSeen, each ping interval): silence is then counted in reports missed too.
    private bool livenessReported;

    /// <summary>A liveness report: the agents it names were heard; every other one missed one more ping.</summary>
    private void AgentsHeard(IReadOnlyList<AgentId> heard, DateTimeOffset now)
    {
        livenessReported = true;
        var named = heard.ToHashSet();
        foreach (var agent in agents.Values)
        {
            if (named.Contains(agent.Id))
            {
                agent.LastSeen = now;
                agent.MissedReports = 0;
            }
            else agent.MissedReports++;
        }
    }

    /// <summary>
    /// Agents silent for <c>MaxAgentPingTimeouts</c> ping periods are marked unreachable: the
    /// registry records it, their offers are rescinded, and their live tasks become
    /// TASK_UNREACHABLE for partition-aware frameworks and TASK_LOST for the others. Where the shell reports
    /// liveness, silence is also that many reports missed: a leader too busy to hear its agents (10,000 of them
    /// re-registering after a failover) sends fewer reports, and does not take its own delay for theirs.
    /// </summary>
    public IReadOnlyList<Effect> CheckAgents(DateTimeOffset now)
    {
        var silence = options.AgentPingTimeout * options.MaxAgentPingTimeouts;
        List<AgentEntry>? silent = null; // rarely any: a pass over every agent allocates nothing then
        foreach (var a in agents.Values)
            if (now - a.LastSeen >= silence && (!livenessReported || a.MissedReports >= options.MaxAgentPingTimeouts))
                (silent ??= []).Add(a);
        if (silent is null) return [];
        var effects = new List<Effect>();
        foreach (var agent in silent)
        {
            effects.Add(new ProposeRegistry(new MarkAgentUnreachable(agent.Id, now.ToUnixTimeMilliseconds())));
            effects.AddRange(RemoveAgent(agent.Id));
            unreachableAgents.Add(agent.Id);
            effects.Add(new AgentLost(agent.Id));
            foreach (var task in tasks.OnAgent(agent.Id).Where(t => IsLive(t.State))
                         .OrderBy(t => t.Id.Value, StringComparer.Ordinal).ThenBy(t => t.Framework.Value, StringComparer.Ordinal).ToArray())
            {
                var partitionAware = frameworks.TryGetValue(task.Framework.Value, out var f) && f.PartitionAware;
                var state = partitionAware ? TaskState.Unreachable : TaskState.Lost;
                tasks[(task.Framework, task.Id)] = task with { State = state };
                effects.Add(new SendUpdate(task.Framework, task.Id, state, "REASON_AGENT_REMOVED",
                    $"agent {agent.Id} missed {options.MaxAgentPingTimeouts} pings"));
            }
        }
        return effects;
    }

    /// <summary>
    /// An operator declares the agent gone for good (drained machine, decommissioned): the registry
    /// records it, its offers are rescinded and its tasks become TASK_GONE.
    /// </summary>
    public IReadOnlyList<Effect> MarkAgentGone(AgentId id, DateTimeOffset now) =>
        [new ProposeRegistry(new MarkAgentGone(id, now.ToUnixTimeMilliseconds())), .. AgentGone(id)];

    /// <summary>What follows an agent's being gone in the registry: its offers, session and tasks end here too.</summary>
    private List<Effect> AgentGone(AgentId id) => AgentRemoved(id, _ => TaskState.Gone, "REASON_AGENT_REMOVED_BY_OPERATOR", $"agent {id} is gone");

    /// <summary>
    /// The agent is out of the registry's active agents for good (gone, or its machine DOWN): its offers,
    /// session and drain end, each live task takes the state <paramref name="end"/> gives for its framework (partition-aware or
    /// not), and a task whose end the framework has not heard yet is told it by the master.
    /// </summary>
    private List<Effect> AgentRemoved(AgentId id, Func<bool, TaskState> end, string reason, string message)
    {
        var effects = new List<Effect>(RemoveAgent(id));
        effects.Add(new AgentLost(id));
        unreachableAgents.Remove(id); // nothing comes back with it
        maintenance.Remove(id);
        foreach (var task in tasks.OnAgent(id).Where(t => IsLive(t.State) || EndNotHeard(t))
                     .OrderBy(t => t.Id.Value, StringComparer.Ordinal).ThenBy(t => t.Framework.Value, StringComparer.Ordinal).ToArray())
        {
            var state = IsLive(task.State) ? end(frameworks.TryGetValue(task.Framework.Value, out var f) && f.PartitionAware) : task.State;
            effects.Add(EndedByMaster(task, state, reason, message));
        }
        return effects;
    }

    /// <summary>
    /// The task ended on its agent, but the framework has not heard so (the update is in flight, to be resent, or not
    /// forwarded yet): when the agent goes for good, the master must tell it, since the agent never will.
    /// </summary>
    private bool EndNotHeard(TrackedTask t) =>
        t.State.IsTerminal() && (unacknowledged.ContainsKey((t.Framework, t.Id)) || resendPending.ContainsKey((t.Framework, t.Id)) || AheadOfTheStream(t));

    /// <summary>
    /// The master ends a task itself (its agent is gone for good): the framework is told, and from now on
    /// reconciliation answers this state, not an update of the agent still in flight or unheard.
    /// </summary>
    private SendUpdate EndedByMaster(TrackedTask task, TaskState state, string reason, string message)
    {
        var key = (task.Framework, task.Id);
        tasks[key] = task with { State = state };
        unacknowledged.Remove(key);
        resendPending.Remove(key);
        lastAcknowledgedState[key] = state;
        return new SendUpdate(task.Framework, task.Id, state, reason, message);
    }
}
