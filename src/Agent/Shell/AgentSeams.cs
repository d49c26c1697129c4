using Mesos.HA.Agent.Core;
using Mesos.HA.Agent.Tasks;
using Mesos.HA.Agent.Updates;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Agent.Shell;

/// <summary>
/// The agent's checkpoints: files under the work directory for the real agent, memory that can lose
/// unflushed writes in the simulator. Every write but the completion hint is durable at the latest when
/// the next <see cref="Commit"/> returns (the identity, a run's launch, the kill marker, update log records
/// flushed when asked); a disk may make them durable sooner. A write or commit that fails throws, and
/// the agent stops (<see cref="CheckpointFailedException"/>).
/// </summary>
public interface IAgentDisk
{
    /// <summary>The identity and the runs not yet completed, as the last run of the agent left them.</summary>
    Recovered Recover();

    void SaveAgentInfo(AgentInfo info);

    void CreateRun(AgentId agent, RunKey run, TaskCheckpoint checkpoint);

    void Append(RunKey run, UpdateLogRecord record, bool durable);

    void MarkKilled(RunKey run);

    void MarkCompleted(RunKey run);

    /// <summary>
    /// The master shut this agent down (gone, or its machine DOWN): its identity is forgotten, so that it
    /// registers as a new agent when started again, as Mesos' agent removes its <c>latest</c> checkpoint.
    /// </summary>
    void ForgetAgent();

    /// <summary>
    /// Makes every write since the last commit durable (one group commit); <see cref="AgentRunner"/> calls it
    /// before anything is done on the strength of those writes. Nothing to do for a disk whose writes are durable at once.
    /// </summary>
    void Commit()
    {
    }
}

/// <summary>The agent's task processes: real process groups, or simulated tasks.</summary>
public interface ITaskLauncher
{
    /// <summary>
    /// Starts the run; the answer (<see cref="ProcessStarted"/> or <see cref="LaunchFailed"/>) is returned, or
    /// null when it is fed later (a launcher starting processes in the background); either way the run's end
    /// comes after it, as <see cref="ProcessExited"/>.
    /// </summary>
    AgentInput? Start(AgentId agent, RunKey run, RunTask task, Resources resources);

    /// <summary>
    /// Watches a recovered run's process: <see cref="ProcessExited"/> is returned at once when it is
    /// already gone (or none was recorded), else fed when it ends.
    /// </summary>
    AgentInput? Watch(AgentId agent, RunKey run, TaskProcess? process);

    void Signal(TaskProcess process, int signal);

    /// <summary>SIGKILL whatever is left of the group after <paramref name="after"/>.</summary>
    void EscalateKill(TaskProcess process, TimeSpan after);

    /// <summary>The run ended: stragglers of its group are killed and its cgroup removed.</summary>
    void Release(RunKey run, TaskProcess? process);
}

/// <summary>What only the shell around the core can do: send to the master, log, time the shutdown, stop.</summary>
public interface IAgentEdges
{
    /// <summary>Best effort: false when there is no link (the core resends updates after the next registration).</summary>
    bool Send(AgentMessage message);

    void Note(Noted note);

    void ShutdownStarted(TimeSpan deadline);

    void ShutDown();
}

/// <summary>
/// Custom executors at the agent's edges: their checkpoints and processes, their SUBSCRIBE streams
/// and the answers to their calls. Absent in the simulator, which runs no custom executors.
/// </summary>
public interface IExecutorSeams
{
    void CreateExecutorRun(AgentId agent, ExecutorKey executor, ExecutorCheckpoint checkpoint);

    /// <summary>Starts the executor's process: <see cref="ExecutorStarted"/> or <see cref="ExecutorLaunchFailed"/>, its end fed later as <see cref="ExecutorProcessExited"/>.</summary>
    AgentInput StartExecutor(AgentId agent, ExecutorKey executor, ExecutorCheckpoint checkpoint, Resources resources);

    /// <summary>Watches a recovered executor's process: <see cref="ExecutorProcessExited"/> at once when it is gone, else fed when it ends.</summary>
    AgentInput? WatchExecutor(AgentId agent, ExecutorKey executor, string runId, TaskProcess? process);

    /// <summary>The executor ended: stragglers of its group are killed, its cgroup removed, its run marked completed.</summary>
    void ReleaseExecutor(AgentId agent, ExecutorKey executor, string runId, TaskProcess? process);

    void Send(long stream, ExecutorEventOut e);

    void Close(long stream);

    void Answer(long call, int status, string error);
}

/// <summary>
/// Command tasks' health checkers at the agent's edges: each runs its checks and feeds its decisions back
/// as <see cref="HealthDecided"/>. Absent in the simulator, whose tasks carry no health checks.
/// Called under the agent's lock: neither call may block on a checker.
/// </summary>
public interface IHealthChecks
{
    /// <summary>Starts checking the run (replacing a checker it has); the first check is due the spec's delay after <paramref name="startedAt"/>.</summary>
    void Start(AgentId agent, RunKey run, RunTask task, HealthCheckSpec check, DateTimeOffset startedAt);

    /// <summary>Stops the run's checker, if one runs, without waiting for it.</summary>
    void Stop(RunKey run);
}
