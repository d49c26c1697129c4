using MessagePack;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Protocol.Agent;

/// <summary>
/// A message on the master-agent channel. Union tags are the wire format: never reuse or renumber.
/// Tags 1-19 go from the agent to the master, 20-39 from the master to the agent, 40+ both ways.
/// </summary>
[Union(1, typeof(RegisterAgent))]
[Union(2, typeof(ReregisterAgent))]
[Union(3, typeof(StatusUpdate))]
[Union(4, typeof(ExecutorToFramework))]
[Union(5, typeof(ExecutorExited))]
[Union(20, typeof(AgentRegistered))]
[Union(21, typeof(NotLeader))]
[Union(22, typeof(RunTask))]
[Union(23, typeof(KillTask))]
[Union(24, typeof(AcknowledgeUpdate))]
[Union(25, typeof(ShutdownAgent))]
[Union(26, typeof(FrameworkToExecutor))]
[Union(27, typeof(ShutdownExecutor))]
[Union(40, typeof(Ping))]
[Union(41, typeof(Pong))]
[Union(42, typeof(ProtocolError))]
public abstract record AgentMessage;

/// <summary>
/// A new agent asks to join: the master answers <see cref="AgentRegistered"/> with its id. <see cref="Token"/>
/// is a secret the agent draws once and sends with every attempt until it learns its id: the master derives
/// the id from it, so a retried registration names the same agent instead of adding a second one.
/// </summary>
[MessagePackObject]
public sealed record RegisterAgent(
    [property: Key(0)] string Hostname,
    [property: Key(1)] string Resources,
    [property: Key(2)] IReadOnlyDictionary<string, string> Attributes,
    [property: Key(3)] int HttpPort,
    [property: Key(4)] string? Token = null) : AgentMessage;

/// <summary>An agent that has an id comes back (its restart, a master failover, a partition) with what it runs.</summary>
[MessagePackObject]
public sealed record ReregisterAgent(
    [property: Key(0)] AgentInfo Info,
    [property: Key(1)] IReadOnlyList<RunningTask> Tasks,
    [property: Key(2)] IReadOnlyList<RunningExecutor>? Executors = null) : AgentMessage;

/// <summary>A custom executor the agent runs (re-registration): the master holds its resources until <see cref="ExecutorExited"/>.</summary>
[MessagePackObject]
public sealed record RunningExecutor(
    [property: Key(0)] FrameworkId Framework,
    [property: Key(1)] string Role,
    [property: Key(2)] ExecutorSpec Executor);

/// <summary>
/// A framework's own executor, as a launch carries it: tasks of one framework naming the same
/// <see cref="Id"/> on one agent share one running executor. <see cref="Resources"/> is resource text
/// (held once per running executor), <see cref="Command"/> a shell command.
/// </summary>
[MessagePackObject]
public sealed record ExecutorSpec(
    [property: Key(0)] string Id,
    [property: Key(1)] string Name,
    [property: Key(2)] string Command,
    [property: Key(3)] string Resources);

/// <summary>
/// A task as the agent reports it when re-registering: its latest state, and the state of the oldest
/// update the framework has not acknowledged (null when none waits), which the framework hears next.
/// </summary>
[MessagePackObject]
public sealed record RunningTask(
    [property: Key(0)] FrameworkId Framework,
    [property: Key(1)] TaskId Task,
    [property: Key(2)] string Role,
    [property: Key(3)] string Resources,
    [property: Key(4)] TaskState State,
    [property: Key(5)] TaskState? Unacknowledged = null);

/// <summary>
/// A task changed state. Sent (and resent) by the agent's status update manager until the
/// framework's acknowledgement of <see cref="Uuid"/> comes back.
/// </summary>
[MessagePackObject]
public sealed record StatusUpdate(
    [property: Key(0)] FrameworkId Framework,
    [property: Key(1)] TaskId Task,
    [property: Key(2)] TaskState State,
    [property: Key(3)] Guid Uuid,
    [property: Key(4)] string Message,
    [property: Key(5)] string Reason,
    [property: Key(6)] long TimestampMs,
    [property: Key(7)] UpdateDetails? Details = null) : AgentMessage;

/// <summary>
/// What an update from a custom executor or a health check adds: the executor that sent it, the
/// health check's verdict, the executor's data, and the source (SOURCE_EXECUTOR; SOURCE_AGENT when null).
/// </summary>
[MessagePackObject]
public sealed record UpdateDetails(
    [property: Key(0)] string? Executor = null,
    [property: Key(1)] bool? Healthy = null,
    [property: Key(2)] byte[]? Data = null,
    [property: Key(3)] string? Source = null);

/// <summary>The leader accepted the (re-)registration; the agent is <see cref="Agent"/> from now on.</summary>
[MessagePackObject]
public sealed record AgentRegistered([property: Key(0)] AgentId Agent) : AgentMessage;

/// <summary>This master does not lead; <see cref="LeaderHttp"/> is who does (null when nobody is known to).</summary>
[MessagePackObject]
public sealed record NotLeader([property: Key(0)] string? LeaderHttp) : AgentMessage;

/// <summary>
/// Launch a task: with the built-in command executor (<see cref="Command"/>), or, when
/// <see cref="Executor"/> is set, by handing it to that custom executor (started first if it does
/// not run yet; <see cref="Command"/> is then empty).
/// </summary>
[MessagePackObject]
public sealed record RunTask(
    [property: Key(0)] FrameworkId Framework,
    [property: Key(1)] TaskId Task,
    [property: Key(2)] string Name,
    [property: Key(3)] string Role,
    [property: Key(4)] string Resources,
    [property: Key(5)] string Command,
    [property: Key(6)] ExecutorSpec? Executor = null,
    [property: Key(7)] HealthCheckSpec? HealthCheck = null) : AgentMessage
{
    /// <summary>Who the task's framework is (its executor's SUBSCRIBED names it); null from a master that did not say.</summary>
    [Key(8)]
    public FrameworkSummary? FrameworkInfo { get; init; }

    /// <summary>The command's own user (CommandInfo.user), which an agent that switches users prefers to the framework's; null when not given.</summary>
    [Key(9)]
    public string? User { get; init; }
}

/// <summary>A framework's name and user, as an executor is told them.</summary>
[MessagePackObject]
public sealed record FrameworkSummary([property: Key(0)] string Name, [property: Key(1)] string User);

/// <summary>The kinds of health check a task may carry.</summary>
public enum HealthCheckKind
{
    Command = 0,
    Http = 1,
    Tcp = 2,
}

/// <summary>
/// A task's health check as the master validated it (see the v1 <c>HealthCheck</c>): a shell
/// <see cref="Command"/> that must exit 0, an HTTP GET of <see cref="Scheme"/>://127.0.0.1:<see cref="Port"/><see cref="Path"/>
/// that must answer 2xx or 3xx, or a TCP connect to 127.0.0.1:<see cref="Port"/>.
/// </summary>
[MessagePackObject]
public sealed record HealthCheckSpec(
    [property: Key(0)] HealthCheckKind Kind,
    [property: Key(1)] string Command,
    [property: Key(2)] int Port,
    [property: Key(3)] string Path,
    [property: Key(4)] string Scheme,
    [property: Key(5)] double DelaySeconds = 15,
    [property: Key(6)] double IntervalSeconds = 10,
    [property: Key(7)] double TimeoutSeconds = 20,
    [property: Key(8)] int ConsecutiveFailures = 3,
    [property: Key(9)] double GracePeriodSeconds = 10);

/// <summary>Kill a task: SIGTERM to its process group, SIGKILL after the grace period.</summary>
[MessagePackObject]
public sealed record KillTask(
    [property: Key(0)] FrameworkId Framework,
    [property: Key(1)] TaskId Task,
    [property: Key(2)] long GracePeriodMs) : AgentMessage;

/// <summary>The framework acknowledged this update: the agent may forget it and send the task's next one.</summary>
[MessagePackObject]
public sealed record AcknowledgeUpdate(
    [property: Key(0)] FrameworkId Framework,
    [property: Key(1)] TaskId Task,
    [property: Key(2)] Guid Uuid) : AgentMessage;

/// <summary>The agent is gone from the cluster (declared gone by an operator): it kills its tasks and exits.</summary>
[MessagePackObject]
public sealed record ShutdownAgent([property: Key(0)] string Reason) : AgentMessage;

/// <summary>A framework's message for one of its executors (the MESSAGE call).</summary>
[MessagePackObject]
public sealed record FrameworkToExecutor(
    [property: Key(0)] FrameworkId Framework,
    [property: Key(1)] string Executor,
    [property: Key(2)] byte[] Data) : AgentMessage;

/// <summary>The framework asked to shut its executor down (the SHUTDOWN call, or the framework was removed): SHUTDOWN event, then kill after the grace period.</summary>
[MessagePackObject]
public sealed record ShutdownExecutor(
    [property: Key(0)] FrameworkId Framework,
    [property: Key(1)] string Executor) : AgentMessage;

/// <summary>A custom executor's framework message for its scheduler (the executor's MESSAGE call). Best effort.</summary>
[MessagePackObject]
public sealed record ExecutorToFramework(
    [property: Key(0)] FrameworkId Framework,
    [property: Key(1)] string Executor,
    [property: Key(2)] byte[] Data) : AgentMessage;

/// <summary>
/// A custom executor ended (its process exited, it never subscribed, it was shut down): the master
/// releases its resources and tells the framework (FAILURE with the executor id and <see cref="Status"/>,
/// the exit status, or -1 when it was killed or never started).
/// </summary>
[MessagePackObject]
public sealed record ExecutorExited(
    [property: Key(0)] FrameworkId Framework,
    [property: Key(1)] string Executor,
    [property: Key(2)] int Status) : AgentMessage;

/// <summary>Liveness, both ways: answered by <see cref="Pong"/> with the same sequence number.</summary>
[MessagePackObject]
public sealed record Ping([property: Key(0)] long Sequence) : AgentMessage;

[MessagePackObject]
public sealed record Pong([property: Key(0)] long Sequence) : AgentMessage;

/// <summary>The peer sent something that could not be accepted; what and why, for its log.</summary>
[MessagePackObject]
public sealed record ProtocolError([property: Key(0)] string Message) : AgentMessage;
