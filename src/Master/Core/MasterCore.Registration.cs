using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Master.Core;

public sealed partial class MasterCore
{
    // Agents the registry knows that have not re-registered with this leader yet, and until when they may.
    private readonly Dictionary<AgentId, DateTimeOffset> awaitingReregistration = new();

    /// <summary>An agent registers for the first time: it is admitted to the registry and its resources become offerable.</summary>
    public IReadOnlyList<Effect> RegisterAgent(AgentInfo info, DateTimeOffset now)
    {
        if (agents.ContainsKey(info.Id.Value)) return [];
        AddAgent(info.Id, ResourceText.Parse(info.Resources), now);
        return [new ProposeRegistry(new AdmitAgent(info, now.ToUnixTimeMilliseconds()))];
    }

    /// <summary>
    /// On becoming leader: every agent the registry holds as active gets <paramref name="window"/>
    /// to re-register with its tasks before it is marked unreachable (Mesos' agent_reregister_timeout).
    /// </summary>
    public void StartReregistrationWindow(IEnumerable<AgentId> known, TimeSpan window, DateTimeOffset now)
    {
        foreach (var id in known) awaitingReregistration[id] = now + window;
    }

    /// <summary>
    /// An agent re-registers with its running tasks. If the registry had marked it unreachable, it
    /// is readmitted (and its tasks come back, as Mesos does for partition-aware frameworks).
    /// Live tasks this master placed on the agent that the agent does not report never reached it
    /// (the launch was lost with a connection): they become TASK_DROPPED for partition-aware
    /// frameworks and TASK_LOST for the others, as Mesos reconciles a re-registering agent.
    /// The agent's outstanding offers are rescinded: they were cut from what the master believed the
    /// agent held, and the agent's report (its tasks, its total) replaces that belief.
    /// </summary>
    public IReadOnlyList<Effect> ReregisterAgent(AgentInfo info, IReadOnlyList<ReportedTask> running, bool wasUnreachable, DateTimeOffset now)
    {
        awaitingReregistration.Remove(info.Id);
        var reported = running.Select(t => (t.Framework, t.Id)).ToHashSet();
        var missing = tasks.Values.Where(t => t.Agent == info.Id && IsLive(t.State) && !reported.Contains((t.Framework, t.Id)))
            .OrderBy(t => t.Framework.Value, StringComparer.Ordinal).ThenBy(t => t.Id.Value, StringComparer.Ordinal).ToArray();
        var effects = new List<Effect>(RescindWhere(o => o.Agent == info.Id));
        ReregisterAgent(info.Id, ResourceText.Parse(info.Resources), running, now);
        if (wasUnreachable) effects.Add(new ProposeRegistry(new ReadmitAgent(info, now.ToUnixTimeMilliseconds())));
        foreach (var task in missing)
        {
            var partitionAware = frameworks.TryGetValue(task.Framework.Value, out var f) && f.PartitionAware;
            var state = partitionAware ? TaskState.Dropped : TaskState.Lost;
            tasks[(task.Framework, task.Id)] = task with { State = state };
            effects.Add(new SendUpdate(task.Framework, task.Id, state, "REASON_RECONCILIATION", $"task is unknown to agent {info.Id}"));
        }
        return effects;
    }

    /// <summary>Agents whose re-registration window closed without them are marked unreachable.</summary>
    public IReadOnlyList<Effect> CheckReregistration(DateTimeOffset now)
    {
        var late = awaitingReregistration.Where(a => a.Value <= now).Select(a => a.Key)
            .OrderBy(a => a.Value, StringComparer.Ordinal).ToArray();
        foreach (var id in late) awaitingReregistration.Remove(id);
        return [.. late.Select(id => new ProposeRegistry(new MarkAgentUnreachable(id, now.ToUnixTimeMilliseconds())))];
    }

    /// <summary>
    /// SUBSCRIBE. A new framework is added to the registry (with the id the shell chose); one
    /// re-subscribing with its id (after its own restart or a master failover) is reconnected.
    /// </summary>
    public IReadOnlyList<Effect> Subscribe(FrameworkId id, FrameworkInfo info, TimeSpan failoverTimeout, bool known, DateTimeOffset now)
    {
        var partitionAware = info.Capabilities.Contains("PARTITION_AWARE");
        if (!frameworks.ContainsKey(id.Value))
            AddFramework(id, info.Roles, partitionAware, failoverTimeout);
        if (!known)
            return [new ProposeRegistry(new AddFramework(id, info, (long)failoverTimeout.TotalMilliseconds, now.ToUnixTimeMilliseconds()))];
        return ReconnectFramework(id, now);
    }
}
