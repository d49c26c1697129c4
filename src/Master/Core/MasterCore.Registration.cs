using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Master.Core;

public sealed partial class MasterCore
{
    // Agents the registry knows that have not re-registered with this leader yet, and until when they may.
    private readonly Dictionary<AgentId, DateTimeOffset> awaitingReregistration = new();

    // Agents whose admission (or readmission) is proposed to the registry and not yet committed:
    // they count here only once it commits (plan -> commit -> apply).
    private readonly Dictionary<AgentId, PendingAgent> pendingAgents = new();

    private sealed record PendingAgent(AgentInfo Info, IReadOnlyList<ReportedTask>? Running, bool WasUnreachable)
    {
        public IReadOnlyList<ReportedExecutor> Executors { get; init; } = [];
    }

    // Agents the registry holds as unreachable (found so at the start of leadership, or marked by this
    // leader): their tasks this leader has not heard of may come back with them.
    private readonly HashSet<AgentId> unreachableAgents = new();

    /// <summary>An agent whose tasks this leader is about to learn: it may still re-register, or its (re)admission is being written.</summary>
    private bool MayHoldUnknownTasks(AgentId agent) => awaitingReregistration.ContainsKey(agent) || pendingAgents.ContainsKey(agent);

    private bool AnyAgentMayHoldUnknownTasks => awaitingReregistration.Count > 0 || pendingAgents.Count > 0;

    /// <summary>
    /// An agent registers for the first time: its admission is proposed to the registry; it counts
    /// (and its resources become offerable) once the admission commits. The same agent asking again while
    /// its admission is being written (its first attempt timed out) is told to retry: it is answered
    /// once the admission has committed, by its next attempt, not twice.
    /// </summary>
    public IReadOnlyList<Effect> RegisterAgent(AgentInfo info, DateTimeOffset now)
    {
        if (pendingAgents.ContainsKey(info.Id)) return [new AgentRegistrationRefused(info.Id, RegistrationInProgress)];
        if (agents.ContainsKey(info.Id.Value)) return [];
        pendingAgents[info.Id] = new PendingAgent(info, Running: null, WasUnreachable: false);
        return [new ProposeRegistry(new AdmitAgent(info, now.ToUnixTimeMilliseconds()))];
    }

    /// <summary>
    /// An agent with an id re-registers, but the registry does not hold it (it registered with a
    /// leader whose write was lost): admitted afresh with the tasks it reports. Repeated while that is written, told to retry.
    /// </summary>
    private IReadOnlyList<Effect> RegisterUnknownAgent(AgentReregistering r, DateTimeOffset now)
    {
        var admission = RegisterAgent(r.Info, now);
        if (admission.OfType<AgentRegistrationRefused>().Any()) return admission;
        return [.. admission, .. ReregisterAgent(r.Info, r.Running, wasUnreachable: false, now, r.Executors)];
    }

    /// <summary>Why a registration repeated while the first is written is refused: the agent retries.</summary>
    public const string RegistrationInProgress = "its admission is being written; try again";

    /// <summary>
    /// On becoming leader: every agent the registry holds as active gets <paramref name="window"/>
    /// to re-register with its tasks before it is marked unreachable (Mesos' agent_reregister_timeout).
    /// </summary>
    public void StartReregistrationWindow(IEnumerable<AgentId> known, TimeSpan window, DateTimeOffset now)
    {
        foreach (var id in known) awaitingReregistration[id] = now + window;
    }

    /// <summary>
    /// An agent re-registers with its running tasks and executors. If the registry had marked it unreachable, its
    /// readmission is proposed and the re-registration takes effect once that commits (its tasks come
    /// back then, as Mesos does for partition-aware frameworks); otherwise at once.
    /// </summary>
    public IReadOnlyList<Effect> ReregisterAgent(AgentInfo info, IReadOnlyList<ReportedTask> running, bool wasUnreachable, DateTimeOffset now,
        IReadOnlyList<ReportedExecutor>? executorsRunning = null)
    {
        awaitingReregistration.Remove(info.Id);
        executorsRunning ??= [];
        if (pendingAgents.TryGetValue(info.Id, out var pending) && pending.Running is null)
        {
            // First admitted by this leader (the registry never had it): the tasks come with the admission.
            pendingAgents[info.Id] = pending with { Running = running, Executors = executorsRunning };
            return [];
        }
        if (!wasUnreachable) return ApplyReregistration(info, running, executorsRunning, now);
        pendingAgents[info.Id] = new PendingAgent(info, running, WasUnreachable: true) { Executors = executorsRunning };
        return [new ProposeRegistry(new ReadmitAgent(info, now.ToUnixTimeMilliseconds()))];
    }

    /// <summary>
    /// The agent counts again with the tasks it reports. Live tasks this master placed on the agent that
    /// the agent does not report never reached it (the launch was lost with a connection): they become
    /// TASK_DROPPED for partition-aware frameworks and TASK_LOST for the others, as Mesos reconciles a
    /// re-registering agent. The agent's outstanding offers are rescinded: they were cut from what the
    /// master believed the agent held, and the agent's report (its tasks, its total) replaces that belief.
    /// </summary>
    private IReadOnlyList<Effect> ApplyReregistration(AgentInfo info, IReadOnlyList<ReportedTask> running,
        IReadOnlyList<ReportedExecutor> executorsRunning, DateTimeOffset now)
    {
        var reported = running.Select(t => (t.Framework, t.Id)).ToHashSet();
        // Unreachable ones too: the agent is back, and a task it does not report is not coming back with it
        // (left TASK_UNREACHABLE it would hold the framework's attention forever; the simulator found one, seed 100752).
        var missing = tasks.OnAgent(info.Id).Where(t => (IsLive(t.State) || t.State == TaskState.Unreachable)
                && !reported.Contains((t.Framework, t.Id)))
            .OrderBy(t => t.Framework.Value, StringComparer.Ordinal).ThenBy(t => t.Id.Value, StringComparer.Ordinal).ToArray();
        var effects = new List<Effect>(RescindOnAgent(info.Id));
        unreachableAgents.Remove(info.Id);
        var (kept, stops) = WithoutOrphans(info.Id, executorsRunning);
        ReregisterAgent(info.Id, ResourceText.Parse(info.Resources), running, now, kept);
        effects.AddRange(stops);
        foreach (var task in missing)
        {
            var partitionAware = frameworks.TryGetValue(task.Framework.Value, out var f) && f.PartitionAware;
            var state = partitionAware ? TaskState.Dropped : TaskState.Lost;
            tasks[(task.Framework, task.Id)] = task with { State = state };
            effects.Add(new SendUpdate(task.Framework, task.Id, state, "REASON_RECONCILIATION", $"task is unknown to agent {info.Id}"));
        }
        effects.AddRange(Place(info));
        return effects;
    }

    /// <summary>A proposed (re)admission committed: the agent counts from now.</summary>
    private IReadOnlyList<Effect> AgentAdmitted(AgentId id, DateTimeOffset now)
    {
        if (!pendingAgents.Remove(id, out var pending)) return [];
        if (pending.Running is null)
        {
            AddAgent(id, ResourceText.Parse(pending.Info.Resources), now);
            return Place(pending.Info);
        }
        return ApplyReregistration(pending.Info, pending.Running, pending.Executors, now);
    }

    /// <summary>The registry refused a (re)admission: the agent does not count here either, and is told so.</summary>
    private IReadOnlyList<Effect> AgentRefused(AgentId id, string reason) =>
        pendingAgents.Remove(id) ? [new AgentRegistrationRefused(id, reason)] : [];

    /// <summary>Agents whose re-registration window closed without them are marked unreachable.</summary>
    public IReadOnlyList<Effect> CheckReregistration(DateTimeOffset now)
    {
        var late = awaitingReregistration.Where(a => a.Value <= now).Select(a => a.Key)
            .OrderBy(a => a.Value, StringComparer.Ordinal).ToArray();
        foreach (var id in late)
        {
            awaitingReregistration.Remove(id);
            unreachableAgents.Add(id);
        }
        return [.. late.Select(id => new ProposeRegistry(new MarkAgentUnreachable(id, now.ToUnixTimeMilliseconds())))];
    }

    // Frameworks whose addition is proposed to the registry and not yet committed.
    private readonly Dictionary<FrameworkId, PendingFramework> pendingFrameworks = new();

    private sealed record PendingFramework(IReadOnlyList<string> Roles, bool PartitionAware, TimeSpan FailoverTimeout);

    /// <summary>
    /// SUBSCRIBE. A new framework is proposed to the registry (with the id the shell chose) and counts
    /// once that commits; one re-subscribing with its id (after its own restart or a master failover)
    /// is reconnected.
    /// </summary>
    public IReadOnlyList<Effect> Subscribe(FrameworkId id, FrameworkInfo info, TimeSpan failoverTimeout, bool known, DateTimeOffset now)
    {
        var partitionAware = info.Capabilities.Contains("PARTITION_AWARE");
        if (!known)
        {
            if (frameworks.ContainsKey(id.Value) || pendingFrameworks.ContainsKey(id)) return [];
            pendingFrameworks[id] = new PendingFramework(info.Roles, partitionAware, failoverTimeout);
            return [new ProposeRegistry(new AddFramework(id, info, (long)failoverTimeout.TotalMilliseconds, now.ToUnixTimeMilliseconds()))];
        }
        if (!frameworks.ContainsKey(id.Value)) AddFramework(id, info.Roles, partitionAware, failoverTimeout);
        return ReconnectFramework(id, now);
    }

    private IReadOnlyList<Effect> FrameworkAdded(FrameworkId id)
    {
        if (!pendingFrameworks.Remove(id, out var pending)) return [];
        AddFramework(id, pending.Roles, pending.PartitionAware, pending.FailoverTimeout);
        return [];
    }

    private IReadOnlyList<Effect> FrameworkRefused(FrameworkId id, string reason) =>
        pendingFrameworks.Remove(id) ? [new CallRejected(id, $"the registry refused framework {id}: {reason}")] : [];
}
