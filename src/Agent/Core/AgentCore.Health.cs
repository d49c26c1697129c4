using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Health;

namespace Mesos.HA.Agent.Core;

/// <summary>
/// The built-in command executor's side of a task's life: STARTING then RUNNING once its process is up,
/// and its health checks (Mesos semantics: a verdict is a TASK_RUNNING update with <c>healthy</c> set,
/// too many failures kill the task). The checks themselves run in the shell; their decisions come back
/// as <see cref="HealthDecided"/>.
/// </summary>
public sealed partial class AgentCore
{
    private const string HealthReason = "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED";

    /// <summary>
    /// The process is up: TASK_STARTING (with the pid, made durable with it) and then TASK_RUNNING, as
    /// Mesos' command executor sends since 1.5; the update stream sends the second once the first is acknowledged.
    /// </summary>
    private void Started(CoreRun run, ProcessStarted started, DateTimeOffset now)
    {
        run.Process = started.Process;
        run.InCgroup = started.InCgroup;
        Report(run, TaskState.Starting, "", "", now, started.Process);
        Report(run, TaskState.Running, "", "", now);
        if (run.KillRequested)
        {
            Signal(started.Process, run.KillGrace); // killed while it started: no checks for it
            return;
        }
        StartChecking(run, now);
    }

    /// <summary>
    /// A recovered command task whose process was recorded: one the agent left between STARTING and RUNNING
    /// gets its RUNNING, and a running one with a health check gets a checker again (timed from its launch,
    /// so a grace period that passed before the restart stays passed). Its end, if it came while the agent
    /// was down, follows from the watcher and stops the checker.
    /// </summary>
    private void ResumeRunning(CoreRun run, DateTimeOffset now)
    {
        if (run.Process is null || run.KillRequested) return;
        if (run.State == TaskState.Starting) Report(run, TaskState.Running, "", "", now);
        if (run.State == TaskState.Running) StartChecking(run, DateTimeOffset.FromUnixTimeMilliseconds(run.Checkpoint.LaunchedAtMs));
    }

    private void StartChecking(CoreRun run, DateTimeOffset startedAt)
    {
        if (run.Checkpoint.Task is not { Executor: null, HealthCheck: { } check } task || info is null) return;
        run.HealthChecking = true;
        Emit(new StartHealthCheck(info.Id, run.Key, task, check, startedAt));
    }

    private void StopChecking(CoreRun run)
    {
        if (!run.HealthChecking) return;
        run.HealthChecking = false;
        Emit(new StopHealthCheck(run.Key));
    }

    /// <summary>
    /// A checker's decision: a verdict becomes a TASK_RUNNING update with <c>healthy</c> and the reason
    /// REASON_TASK_HEALTH_CHECK_STATUS_UPDATED; a kill takes the normal kill path, and the task's final
    /// update says healthy=false. Decisions from a checker already stopped (a kill, an exit) are dropped.
    /// </summary>
    private void OnHealthDecided(CoreRun run, HealthDecision decision, DateTimeOffset now)
    {
        if (!run.HealthChecking || run.KillRequested || run.State != TaskState.Running) return;
        switch (decision)
        {
            case HealthReport report:
                run.Unhealthy = !report.Healthy;
                Record(run, new StatusUpdate(run.Key.Framework, run.Key.Task, TaskState.Running, newId(), report.Message, HealthReason,
                    now.ToUnixTimeMilliseconds(), CommandDetails(run, TaskState.Running, report.Healthy)), now);
                break;
            case KillUnhealthyTask kill:
                run.Unhealthy = true;
                Note(AgentNote.KilledUnhealthy, run, kill.Message);
                Kill(run.Key.Framework, run.Key.Task, options.KillGracePeriod, now);
                break;
        }
    }
}
