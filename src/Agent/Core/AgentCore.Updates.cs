using Mesos.HA.Agent.Tasks;
using Mesos.HA.Agent.Updates;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;

namespace Mesos.HA.Agent.Core;

/// <summary>The status update manager: checkpoint, send, resend with backoff until acknowledged, in order per task.</summary>
public sealed partial class AgentCore
{
    private const string CommandExecutorSource = "SOURCE_EXECUTOR";

    /// <summary>A task changed state: the update is appended (durable) before it is sent.</summary>
    private void Report(CoreRun run, TaskState state, string message, string reason, DateTimeOffset now, TaskProcess? process = null)
    {
        if (run.State.IsTerminal()) return; // a task ends once
        Record(run, new StatusUpdate(run.Key.Framework, run.Key.Task, state, newId(), message, reason, now.ToUnixTimeMilliseconds(),
            CommandDetails(run, state)), now, process);
    }

    /// <summary>
    /// What the built-in command executor adds to its task's updates: it is an executor (SOURCE_EXECUTOR,
    /// as Mesos' command executor is), and a task that was unhealthy when it ended says so (healthy=false).
    /// Custom executors' tasks add nothing here: their executor's own updates carry their details.
    /// </summary>
    private static UpdateDetails? CommandDetails(CoreRun run, TaskState state, bool? healthy = null) =>
        run.Checkpoint.Task.Executor is not null ? null
            : new UpdateDetails(Healthy: healthy ?? (state.IsTerminal() && run.Unhealthy ? false : null), Source: CommandExecutorSource);

    /// <summary>The update is appended to the run's log (durable) before it is sent.</summary>
    private void Record(CoreRun run, StatusUpdate update, DateTimeOffset now, TaskProcess? process = null)
    {
        Emit(new AppendToLog(run.Key, new UpdateLogRecord(update, null, process?.ToString()), Durable: true));
        run.Updates.Add(update);
        run.State = update.State;
        Deliver(now);
        if (update.State.IsTerminal()) FinishShutdown(force: false);
    }

    private void Acknowledge(FrameworkId framework, TaskId task, Guid uuid, DateTimeOffset now)
    {
        if (!runs.TryGetValue((framework, task), out var run))
        {
            Emit(new Noted(AgentNote.AckUnknown, task.Value, framework.Value, uuid.ToString()));
            return;
        }
        var outcome = run.Updates.Acknowledge(uuid, now);
        if (outcome != AckOutcome.Accepted)
        {
            if (outcome == AckOutcome.Unexpected) Emit(new Noted(AgentNote.AckUnknown, task.Value, framework.Value, uuid.ToString()));
            return;
        }
        // On disk before the next update goes out: were it lost in a crash, the restarted agent would resend
        // this update, and one the framework saw before a later final state (TASK_RUNNING after TASK_FAILED)
        // would reach it again after that state, from a master that had forgotten the task (the simulator's
        // lossy disk, seed 1). With nothing to send next it waits for the next update's flush (same log, in
        // order); the last one is flushed at once, so a completed run stays completed.
        var sendsNext = run.Updates.Head is not null || run.Updates.Completed;
        Emit(new AppendToLog(run.Key, new UpdateLogRecord(null, uuid), Durable: sendsNext));
        if (run.Updates.Completed)
        {
            runs.Remove((framework, task));
            Emit(new MarkCompleted(run.Key));
        }
        Deliver(now);
    }

    /// <summary>Sends each task's head update when it is due, while registered with a leader.</summary>
    private void Deliver(DateTimeOffset now)
    {
        if (!registered) return;
        foreach (var run in runs.Values)
        {
            if (run.Updates.Head is not { } head || run.Updates.DueAt > now) continue;
            Emit(new SendToMaster(head));
            run.Updates.Sent(now);
        }
    }
}
