using Mesos.HA.Master.Allocation;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Master.Core;

/// <summary>
/// Everything that can happen to the leading master, as data: a framework's call, an agent's message,
/// the start of a leadership, the periodic tick. The shell turns what arrives at its edges into these
/// records and feeds them, one at a time and with the time they happen at, to
/// <see cref="MasterCore.Handle"/>; a log of them replays a leadership, and a simulator can generate them.
/// </summary>
public abstract record MasterInput;

/// <summary>
/// This master starts leading: the agents the registry holds as active get the re-registration window,
/// its frameworks are recovered, and the agents it holds as unreachable are remembered (their tasks are
/// answered TASK_UNREACHABLE, not TASK_UNKNOWN: they may come back with them).
/// </summary>
public sealed record LeadershipStarted(IReadOnlyList<AgentId> ActiveAgents, TimeSpan ReregistrationWindow,
    IReadOnlyList<RecoveredFramework> Frameworks) : MasterInput
{
    public IReadOnlyList<AgentId> UnreachableAgents { get; init; } = [];

    /// <summary>Agents the registry holds as deactivated or draining.</summary>
    public IReadOnlyList<AgentMaintenanceState> Maintenance { get; init; } = [];

    /// <summary>The machines of the registry's maintenance schedule.</summary>
    public IReadOnlyList<MachineRecord> Machines { get; init; } = [];
}

/// <summary>A framework the registry holds, as a new leader finds it.</summary>
public sealed record RecoveredFramework(FrameworkId Id, IReadOnlyList<string> Roles, bool PartitionAware, TimeSpan FailoverTimeout,
    DateTimeOffset? DisconnectedAt);

/// <summary>The periodic pass: late re-registrations, silent agents, lapsed frameworks, expired offers, then an allocation with the registry's weights and quotas.</summary>
public sealed record Tick(IReadOnlyDictionary<string, double> Weights, IReadOnlyDictionary<string, RoleQuota> Quotas) : MasterInput;

/// <summary>Inputs from frameworks (the scheduler API's calls).</summary>
public abstract record FrameworkInput(FrameworkId Framework) : MasterInput;

public sealed record SubscribeFramework(FrameworkId Framework, FrameworkInfo Info, TimeSpan FailoverTimeout, bool Known) : FrameworkInput(Framework);

public sealed record FrameworkDisconnected(FrameworkId Framework) : FrameworkInput(Framework);

public sealed record TeardownFramework(FrameworkId Framework) : FrameworkInput(Framework);

public sealed record AcceptOffers(FrameworkId Framework, IReadOnlyList<OfferId> Offers, IReadOnlyList<TaskLaunch> Launches, TimeSpan? Refuse)
    : FrameworkInput(Framework);

public sealed record DeclineOffers(FrameworkId Framework, IReadOnlyList<OfferId> Offers, TimeSpan? Refuse) : FrameworkInput(Framework);

/// <summary>REVIVE for these roles (the edge fills in the framework's roles when the call names none).</summary>
public sealed record ReviveOffers(FrameworkId Framework, IReadOnlyList<string> Roles) : FrameworkInput(Framework);

public sealed record SuppressOffers(FrameworkId Framework, IReadOnlyList<string> Roles) : FrameworkInput(Framework);

/// <summary>ACCEPT_INVERSE_OFFERS (<paramref name="Accept"/>) or DECLINE_INVERSE_OFFERS.</summary>
public sealed record InverseOffersAnswered(FrameworkId Framework, IReadOnlyList<OfferId> InverseOffers, bool Accept, TimeSpan? Refuse)
    : FrameworkInput(Framework);

/// <summary>KILL, with the agent the framework believes the task is on when it names one.</summary>
public sealed record KillTaskCall(FrameworkId Framework, TaskId Task, AgentId? Agent = null) : FrameworkInput(Framework);

public sealed record UpdateAcknowledged(FrameworkId Framework, AgentId Agent, TaskId Task, Guid Uuid) : FrameworkInput(Framework);

public sealed record ReconcileTasks(FrameworkId Framework, IReadOnlyList<(TaskId Task, AgentId? Agent)> Queries) : FrameworkInput(Framework);

public sealed record FrameworkMessage(FrameworkId Framework, AgentId Agent, string Executor, byte[] Data) : FrameworkInput(Framework);

/// <summary>SHUTDOWN of an executor, on the agent the call names (any agent running it when none is named).</summary>
public sealed record ShutdownExecutorCall(FrameworkId Framework, string Executor, AgentId? Agent = null) : FrameworkInput(Framework);

/// <summary>Inputs from agents (the agent protocol's messages).</summary>
public abstract record AgentInput(AgentId Agent) : MasterInput;

/// <summary>A new agent registers (its id chosen by the shell).</summary>
public sealed record AgentRegistering(AgentInfo Info) : AgentInput(Info.Id);

/// <summary>
/// A known agent re-registers with its tasks. <paramref name="InRegistry"/> false: the registry never
/// admitted it (it registered with a leader whose write was lost), so it is admitted first.
/// </summary>
public sealed record AgentReregistering(AgentInfo Info, IReadOnlyList<ReportedTask> Running, bool InRegistry, bool WasUnreachable)
    : AgentInput(Info.Id)
{
    /// <summary>The custom executors the agent runs: their resources are held again.</summary>
    public IReadOnlyList<ReportedExecutor> Executors { get; init; } = [];
}

/// <summary>A ping or pong from the agent: it is alive.</summary>
public sealed record AgentHeartbeat(AgentId Agent) : AgentInput(Agent);

/// <summary>
/// The agents whose channels carried any frame since the last such report (the hub sends one per ping
/// interval for all of them, none named or not, and pings those it did not hear): they are alive. One decision
/// a second instead of one per ping per agent; an agent absent from several reports in a row missed that many pings.
/// </summary>
public sealed record AgentsSeen(IReadOnlyList<AgentId> Agents) : MasterInput;

public sealed record AgentStatusUpdate(AgentId Agent, FrameworkId Framework, TaskId Task, TaskState State, Guid Uuid, string Message)
    : AgentInput(Agent)
{
    public string Reason { get; init; } = "";

    public Mesos.HA.Protocol.Agent.UpdateDetails? Details { get; init; }
}

/// <summary>A custom executor's message for its framework (best effort).</summary>
public sealed record ExecutorMessageReceived(AgentId Agent, FrameworkId Framework, string Executor, byte[] Data) : AgentInput(Agent);

/// <summary>A custom executor on the agent ended with <see cref="Status"/> (-1: killed, or it never started).</summary>
public sealed record ExecutorTerminated(AgentId Agent, FrameworkId Framework, string Executor, int Status) : AgentInput(Agent);

/// <summary>An operator marked an agent gone (the registry has recorded it): its tasks become TASK_GONE.</summary>
public sealed record MarkAgentGoneCall(AgentId Agent) : MasterInput;

/// <summary>An operator deactivated an agent (the registry has recorded it): it offers nothing until reactivated.</summary>
public sealed record DeactivateAgentCall(AgentId Agent) : MasterInput;

/// <summary>An operator drains an agent (the registry has recorded it): deactivated, its tasks killed with the grace capped.</summary>
public sealed record DrainAgentCall(AgentId Agent, TimeSpan? MaxGrace, bool MarkGone) : MasterInput;

/// <summary>An operator reactivated an agent (the registry has recorded it).</summary>
public sealed record ReactivateAgentCall(AgentId Agent) : MasterInput;

/// <summary>
/// The registry's maintenance schedule changed (an operator's UPDATE_MAINTENANCE_SCHEDULE, START_MAINTENANCE or
/// STOP_MAINTENANCE committed): the machines it holds now, DRAINING or DOWN.
/// </summary>
public sealed record MaintenanceUpdated(IReadOnlyList<MachineRecord> Machines) : MasterInput
{
    /// <summary>
    /// Agents the write removed from the registry (those of machines gone DOWN), the ones this core may
    /// know by id only included (awaiting re-registration, unreachable): their tasks end here.
    /// </summary>
    public IReadOnlyList<AgentId> RemovedAgents { get; init; } = [];
}

/// <summary>A registry write the core proposed (a <see cref="ProposeRegistry"/> effect) committed.</summary>
public sealed record RegistryWriteCommitted(RegistryCommand Command) : MasterInput;

/// <summary>The registry refused a write the core proposed (it does not fit the registry: unknown id, already there, a limit).</summary>
public sealed record RegistryWriteRefused(RegistryCommand Command, string Reason) : MasterInput;
