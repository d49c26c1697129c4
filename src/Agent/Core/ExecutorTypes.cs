using MessagePack;
using Mesos.HA.Agent.Tasks;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Agent.Core;

/// <summary>A framework's custom executor on this agent, by the id the framework gave it.</summary>
public readonly record struct ExecutorKey(FrameworkId Framework, string Executor);

/// <summary>What is checkpointed when an executor starts: its spec as the first launch carried it, and the run's id.</summary>
[MessagePackObject]
public sealed record ExecutorCheckpoint(
    [property: Key(0)] FrameworkId Framework,
    [property: Key(1)] string Role,
    [property: Key(2)] ExecutorSpec Spec,
    [property: Key(3)] string RunId,
    [property: Key(4)] long LaunchedAtMs)
{
    /// <summary>The framework's name and user from the launch that started the executor (SUBSCRIBED carries them).</summary>
    [Key(5)]
    public FrameworkSummary? FrameworkInfo { get; init; }
}

/// <summary>An executor as the core keeps it, for status pages and tests.</summary>
public sealed record ExecutorView(ExecutorKey Key, bool Subscribed, int Tasks, int Queued, TaskProcess? Process);

// ---- inputs ----

/// <summary>
/// A call of the executor API (the shell has parsed and checked its JSON). <see cref="CallId"/> names
/// the HTTP request: the core answers it with <see cref="AnswerExecutorCall"/>, and a SUBSCRIBE's
/// stream keeps the id for the events that follow.
/// </summary>
public sealed record ExecutorCallReceived(long CallId, ExecutorKey Executor, ExecutorCallBody Body) : AgentInput
{
    /// <summary>The executor run the caller's token was issued for (null: the agent does not authenticate executors); another run's token is refused.</summary>
    public string? AuthenticatedRun { get; init; }
}

public abstract record ExecutorCallBody;

/// <summary>SUBSCRIBE: what the executor still holds from before a disconnection (tasks with no update sent, updates not ACKNOWLEDGED).</summary>
public sealed record SubscribeBody(IReadOnlyList<TaskId> UnacknowledgedTasks, IReadOnlyList<StatusUpdate> UnacknowledgedUpdates) : ExecutorCallBody;

/// <summary>UPDATE: a task status from the executor, with its own uuid.</summary>
public sealed record UpdateBody(StatusUpdate Update) : ExecutorCallBody;

/// <summary>MESSAGE: a framework message for the scheduler.</summary>
public sealed record MessageBody(byte[] Data) : ExecutorCallBody;

public sealed record HeartbeatBody : ExecutorCallBody;

/// <summary>The SUBSCRIBE stream <see cref="Stream"/> of the executor ended (the executor went away or the agent closed it).</summary>
public sealed record ExecutorStreamClosed(ExecutorKey Executor, long Stream) : AgentInput;

/// <summary>The launcher started the executor's process.</summary>
public sealed record ExecutorStarted(ExecutorKey Executor, string RunId, TaskProcess Process) : AgentInput;

/// <summary>The launcher could not start the executor's process.</summary>
public sealed record ExecutorLaunchFailed(ExecutorKey Executor, string RunId, string Error) : AgentInput;

/// <summary>The executor's process is gone, with its exit code (none when killed by a signal).</summary>
public sealed record ExecutorProcessExited(ExecutorKey Executor, string RunId, int? ExitCode) : AgentInput;

// ---- effects ----

/// <summary>Checkpoint a new executor run (durable) before its process starts.</summary>
public sealed record CreateExecutorRun(AgentId Agent, ExecutorKey Executor, ExecutorCheckpoint Checkpoint) : AgentEffect;

/// <summary>Start the executor's process; answered with <see cref="ExecutorStarted"/> or <see cref="ExecutorLaunchFailed"/>, its end fed as <see cref="ExecutorProcessExited"/>.</summary>
public sealed record StartExecutor(AgentId Agent, ExecutorKey Executor, ExecutorCheckpoint Checkpoint, Resources Resources) : AgentEffect;

/// <summary>Watch a recovered executor's process (null: none was recorded); its end comes back as <see cref="ExecutorProcessExited"/>.</summary>
public sealed record WatchExecutor(AgentId Agent, ExecutorKey Executor, string RunId, TaskProcess? Process) : AgentEffect;

/// <summary>The executor's process ended: kill stragglers of its group, release its cgroup, and mark its run completed.</summary>
public sealed record ReleaseExecutor(AgentId Agent, ExecutorKey Executor, string RunId, TaskProcess? Process) : AgentEffect;

/// <summary>Write an event to the executor's SUBSCRIBE stream (dropped when that stream is gone).</summary>
public sealed record SendToExecutor(long Stream, ExecutorEventOut Event) : AgentEffect;

/// <summary>End the executor's SUBSCRIBE stream (after a SHUTDOWN, or when a newer subscription replaces it).</summary>
public sealed record CloseExecutorStream(long Stream) : AgentEffect;

/// <summary>
/// Answer the HTTP request <see cref="CallId"/>: 200 opens the SUBSCRIBE stream, 202 accepts a call,
/// 400/403 refuse it with <see cref="Error"/>.
/// </summary>
public sealed record AnswerExecutorCall(long CallId, int Status, string Error = "") : AgentEffect;

/// <summary>An event for an executor, as the core decides it; the shell writes it as the v1 JSON event.</summary>
public abstract record ExecutorEventOut;

public sealed record SubscribedOut(ExecutorCheckpoint Executor, AgentInfo Agent) : ExecutorEventOut;

public sealed record LaunchOut(RunTask Task, AgentId Agent) : ExecutorEventOut;

public sealed record KillOut(TaskId Task, TimeSpan GracePeriod) : ExecutorEventOut;

public sealed record AcknowledgedOut(TaskId Task, Guid Uuid) : ExecutorEventOut;

public sealed record MessageOut(byte[] Data) : ExecutorEventOut;

public sealed record ShutdownOut : ExecutorEventOut;

public sealed record ErrorOut(string Message) : ExecutorEventOut;
