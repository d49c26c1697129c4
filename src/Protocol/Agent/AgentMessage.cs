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
[Union(20, typeof(AgentRegistered))]
[Union(21, typeof(NotLeader))]
[Union(22, typeof(RunTask))]
[Union(23, typeof(KillTask))]
[Union(24, typeof(AcknowledgeUpdate))]
[Union(25, typeof(ShutdownAgent))]
[Union(26, typeof(FrameworkToExecutor))]
[Union(40, typeof(Ping))]
[Union(41, typeof(Pong))]
[Union(42, typeof(ProtocolError))]
public abstract record AgentMessage;

/// <summary>A new agent asks to join: the master answers <see cref="AgentRegistered"/> with the id it chose.</summary>
[MessagePackObject]
public sealed record RegisterAgent(
    [property: Key(0)] string Hostname,
    [property: Key(1)] string Resources,
    [property: Key(2)] IReadOnlyDictionary<string, string> Attributes,
    [property: Key(3)] int HttpPort) : AgentMessage;

/// <summary>An agent that has an id comes back (its restart, a master failover, a partition) with what it runs.</summary>
[MessagePackObject]
public sealed record ReregisterAgent(
    [property: Key(0)] AgentInfo Info,
    [property: Key(1)] IReadOnlyList<RunningTask> Tasks) : AgentMessage;

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
    [property: Key(6)] long TimestampMs) : AgentMessage;

/// <summary>The leader accepted the (re-)registration; the agent is <see cref="Agent"/> from now on.</summary>
[MessagePackObject]
public sealed record AgentRegistered([property: Key(0)] AgentId Agent) : AgentMessage;

/// <summary>This master does not lead; <see cref="LeaderHttp"/> is who does (null when nobody is known to).</summary>
[MessagePackObject]
public sealed record NotLeader([property: Key(0)] string? LeaderHttp) : AgentMessage;

/// <summary>Launch a task with the built-in command executor.</summary>
[MessagePackObject]
public sealed record RunTask(
    [property: Key(0)] FrameworkId Framework,
    [property: Key(1)] TaskId Task,
    [property: Key(2)] string Name,
    [property: Key(3)] string Role,
    [property: Key(4)] string Resources,
    [property: Key(5)] string Command) : AgentMessage;

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

/// <summary>Liveness, both ways: answered by <see cref="Pong"/> with the same sequence number.</summary>
[MessagePackObject]
public sealed record Ping([property: Key(0)] long Sequence) : AgentMessage;

[MessagePackObject]
public sealed record Pong([property: Key(0)] long Sequence) : AgentMessage;

/// <summary>The peer sent something that could not be accepted; what and why, for its log.</summary>
[MessagePackObject]
public sealed record ProtocolError([property: Key(0)] string Message) : AgentMessage;
