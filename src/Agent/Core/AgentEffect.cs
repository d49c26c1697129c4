using Mesos.HA.Agent.Tasks;
using Mesos.HA.Agent.Updates;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Agent.Core;

/// <summary>
/// What the agent's core decided, as data. The shell carries effects out in the order they are
/// returned: a checkpoint effect before the send it guards (an update is on disk before anyone hears of it).
/// </summary>
public abstract record AgentEffect;

/// <summary>Checkpoint the agent's identity (durable): a restart re-registers as the same agent.</summary>
public sealed record SaveAgentInfo(AgentInfo Info) : AgentEffect;

/// <summary>Checkpoint a new run (durable) and create its update log, before its process starts.</summary>
public sealed record CreateRun(AgentId Agent, RunKey Run, TaskCheckpoint Checkpoint) : AgentEffect;

/// <summary>Append to the run's update log, flushed when <c>Durable</c> (updates before they are sent, acknowledgements before the next goes out).</summary>
public sealed record AppendToLog(RunKey Run, UpdateLogRecord Record, bool Durable) : AgentEffect;

/// <summary>Checkpoint that a kill was asked for (durable): a restarted agent reports KILLED, not FAILED.</summary>
public sealed record MarkKilled(RunKey Run) : AgentEffect;

/// <summary>Every update of the run is acknowledged: close its log and leave a hint for recovery and garbage collection.</summary>
public sealed record MarkCompleted(RunKey Run) : AgentEffect;

/// <summary>Start the run's process; the launcher answers with <see cref="ProcessStarted"/> or <see cref="LaunchFailed"/>.</summary>
public sealed record StartProcess(AgentId Agent, RunKey Run, RunTask Task, Resources Resources) : AgentEffect;

/// <summary>Watch a recovered run's process (null: none was recorded); its end comes back as <see cref="ProcessExited"/>.</summary>
public sealed record WatchProcess(AgentId Agent, RunKey Run, TaskProcess? Process) : AgentEffect;

/// <summary>Signal the task's process group.</summary>
public sealed record SignalProcess(TaskProcess Process, int Signal) : AgentEffect;

/// <summary>After the grace period, SIGKILL whatever is left of the group.</summary>
public sealed record EscalateKill(TaskProcess Process, TimeSpan After) : AgentEffect;

/// <summary>The run's process ended: kill stragglers of its group and release its cgroup.</summary>
public sealed record ReleaseRun(RunKey Run, TaskProcess? Process) : AgentEffect;

/// <summary>
/// Start checking a command task's health with <paramref name="Check"/> (its sandbox and environment are the
/// task's; the first check is due <c>DelaySeconds</c> after <paramref name="StartedAt"/>); decisions come back
/// as <see cref="HealthDecided"/>. A checker already running for the run is replaced.
/// </summary>
public sealed record StartHealthCheck(AgentId Agent, RunKey Run, RunTask Task, HealthCheckSpec Check, DateTimeOffset StartedAt) : AgentEffect;

/// <summary>Stop the run's health checker (its process ended, or a kill started); nothing when none runs.</summary>
public sealed record StopHealthCheck(RunKey Run) : AgentEffect;

/// <summary>Send to the leading master (best effort: the core resends updates until acknowledged).</summary>
public sealed record SendToMaster(AgentMessage Message) : AgentEffect;

/// <summary>A shutdown started: feed <see cref="ShutdownDeadlinePassed"/> after this long.</summary>
public sealed record ShutdownStarted(TimeSpan Deadline) : AgentEffect;

/// <summary>The agent is shut down: every task it ran has ended (or the deadline passed).</summary>
public sealed record ShutDown : AgentEffect;

/// <summary>Something an operator may want in the log.</summary>
public sealed record Noted(AgentNote Note, string Task, string Framework, string Detail) : AgentEffect;

public enum AgentNote
{
    BadLaunch,
    DuplicateLaunch,
    LaunchFailed,
    KillUnknown,
    AckUnknown,
    MessageDropped,
    UnexpectedMessage,
    ShutdownAsked,
    Recovered,
    ExecutorTimedOut,
    KilledUnhealthy,
}
