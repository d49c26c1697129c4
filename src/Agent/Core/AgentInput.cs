using Mesos.HA.Agent.Tasks;
using Mesos.HA.Agent.Updates;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Health;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Agent.Core;

/// <summary>One run of a task on this agent: a relaunch of the same task id is a new run with a new id.</summary>
public readonly record struct RunKey(FrameworkId Framework, TaskId Task, string RunId);

/// <summary>
/// Everything that can happen to an agent, as data. A shell turns what arrives at its edges (the
/// master's frames, process exits, timers, what the disk held at start) into these records and
/// feeds them one at a time, with the time they happen at, to <see cref="AgentCore.Handle"/>.
/// </summary>
public abstract record AgentInput;

/// <summary>What the checkpoints held at start: the agent's identity, the runs not yet completed, and the custom executors that had not ended.</summary>
public sealed record Recovered(AgentInfo? Info, IReadOnlyList<RecoveredRun> Runs, IReadOnlyList<RecoveredExecutor>? Executors = null) : AgentInput;

/// <summary>A custom executor as its checkpoints left it: its launch and its process (null when none was recorded).</summary>
public sealed record RecoveredExecutor(ExecutorCheckpoint Checkpoint, TaskProcess? Process);

/// <summary>A run as its checkpoints left it: the launch, its update log, the pid file, whether a kill was asked for.</summary>
public sealed record RecoveredRun(TaskCheckpoint Checkpoint, IReadOnlyList<UpdateLogRecord> Records, TaskProcess? PidFile, bool KillRequested);

/// <summary>The link registered with a leading master, which gave (or confirmed) this id.</summary>
public sealed record LinkRegistered(AgentId Agent) : AgentInput;

/// <summary>The link to the leader is gone; updates wait for the next registration.</summary>
public sealed record LinkLost : AgentInput;

/// <summary>A message from the leading master (the link has checked its term and answered pings).</summary>
public sealed record FromMaster(AgentMessage Message) : AgentInput;

/// <summary>The launcher started the run's process.</summary>
public sealed record ProcessStarted(RunKey Run, TaskProcess Process, bool InCgroup) : AgentInput;

/// <summary>The launcher could not start the run's process.</summary>
public sealed record LaunchFailed(RunKey Run, string Error) : AgentInput;

/// <summary>The run's process is gone, with the exit code its wrapper recorded (none when it did not end by itself).</summary>
public sealed record ProcessExited(RunKey Run, int? ExitCode) : AgentInput;

/// <summary>The run's health checker decided (a verdict, or a kill); decisions of a checker already stopped are dropped.</summary>
public sealed record HealthDecided(RunKey Run, HealthDecision Decision) : AgentInput;

/// <summary>The link could not take a message (gone, or its queue full): an update goes again on the next pass.</summary>
public sealed record NotSent(AgentMessage Message) : AgentInput;

/// <summary>The periodic pass: updates whose resend is due go out.</summary>
public sealed record UpdatesDue : AgentInput;

/// <summary>The time allowed for a shutdown's kills has passed.</summary>
public sealed record ShutdownDeadlinePassed : AgentInput;
