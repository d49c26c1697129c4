using MessagePack;
using Mesos.HA.Agent.Checkpoint;
using Mesos.HA.Agent.Tasks;
using Mesos.HA.Agent.Updates;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Resources;
using Microsoft.Extensions.Logging;

namespace Mesos.HA.Agent;

public sealed partial class AgentService
{
    private void Launch(RunTask spec)
    {
        var id = Volatile.Read(ref info)?.Id;
        if (id is null) return; // cannot happen: the link only passes messages once registered
        if (!ResourceText.TryParse(spec.Resources, out var resources, out var error) || string.IsNullOrWhiteSpace(spec.Command))
        {
            LogBadLaunch(logger, spec.Task.Value, error ?? "empty command");
            return;
        }
        TaskRun run;
        lock (gate)
        {
            if (runs.TryGetValue((spec.Framework, spec.Task), out var existing) && !existing.Updates.Completed)
            {
                LogDuplicateLaunch(logger, spec.Task.Value, spec.Framework.Value);
                return;
            }
            var runId = Guid.NewGuid().ToString("N");
            var executor = spec.Task.Value;
            var sandbox = paths.Sandbox(id.Value, spec.Framework, executor, runId);
            var meta = paths.Meta(id.Value, spec.Framework, executor, runId);
            var checkpoint = new TaskCheckpoint(spec, runId, time.GetUtcNow().ToUnixTimeMilliseconds());
            // The log is created first, so the directory flush of the checkpoint makes both names durable.
            var log = UpdateLog.Open(Path.Combine(meta, TaskRun.UpdatesFile), out _);
            AtomicFile.Write(Path.Combine(meta, TaskRun.TaskFile), MessagePackSerializer.Serialize(checkpoint, CheckpointOptions));
            run = new TaskRun(checkpoint, sandbox, meta, new UpdateStream(options.UpdateResendFirst, options.UpdateResendMax), log);
            if (existing is not null) existing.Log.Dispose();
            runs[(spec.Framework, spec.Task)] = run;
        }
        try
        {
            run.Cgroup = cgroups.Create(run.RunId, resources);
            var env = CommandLauncher.TaskEnvironment(run.Sandbox, spec.Task.Value, id.Value.Value, spec.Framework.Value, resources);
            var (child, process) = CommandLauncher.Start(new LaunchSpec(spec.Command, run.Sandbox, run.Meta, resources, env, run.Cgroup));
            // The pid is made durable with the TASK_RUNNING record; this file is for people and tools (and a
            // fallback should the agent die between the start and that record).
            File.WriteAllText(Path.Combine(run.Meta, TaskRun.PidFile), process.ToString());
            lock (gate)
            {
                run.Child = child;
                run.Process = process;
            }
            Report(run, TaskState.Running, "", "", process);
            _ = Task.Run(() => WaitForChildAsync(run, child));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            LogLaunchFailed(logger, spec.Task.Value, e.Message);
            Report(run, TaskState.Failed, $"could not launch the command: {e.Message}", "REASON_EXECUTOR_TERMINATED");
        }
    }

    private async Task WaitForChildAsync(TaskRun run, System.Diagnostics.Process child)
    {
        await child.WaitForExitAsync().ConfigureAwait(false);
        child.Dispose();
        Exited(run);
    }

    /// <summary>Watches a run recovered after a restart: it is not our child, so its end is noticed through /proc.</summary>
    private async Task WatchRecoveredAsync(TaskRun run, TaskProcess process, CancellationToken token)
    {
        try
        {
            while (ProcessGroup.Alive(process)) await Task.Delay(TimeSpan.FromMilliseconds(100), time, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        Exited(run);
    }

    /// <summary>The task's process ended: stragglers of its group are killed and the terminal state reported.</summary>
    private void Exited(TaskRun run)
    {
        if (run.Process is { } process) ProcessGroup.Signal(process, ProcessGroup.SigKill);
        cgroups.Remove(run.RunId);
        var (state, message) = Outcome(run);
        Report(run, state, message, state == TaskState.Failed ? "REASON_COMMAND_EXECUTOR_FAILED" : "");
    }

    /// <summary>How a run ended, from what is on disk: a kill asked for, or the exit code the wrapper recorded.</summary>
    private static (TaskState State, string Message) Outcome(TaskRun run)
    {
        if (run.KillRequested || File.Exists(Path.Combine(run.Meta, TaskRun.KilledFile)))
            return (TaskState.Killed, "Command terminated with signal Terminated");
        return CommandLauncher.RecordedExitCode(run.Meta) switch
        {
            0 => (TaskState.Finished, "Command exited with status 0"),
            125 when run.Cgroup is not null => (TaskState.Failed, "could not join the task's cgroup"),
            { } code => (TaskState.Failed, $"Command exited with status {code}"),
            null => (TaskState.Failed, "Command terminated without an exit status (killed by a signal, or ended while the agent was down)"),
        };
    }

    private void Kill(FrameworkId framework, TaskId task, TimeSpan grace)
    {
        TaskRun? run;
        lock (gate) runs.TryGetValue((framework, task), out run);
        if (run is null || run.State.IsTerminal())
        {
            LogKillUnknown(logger, task.Value, framework.Value);
            return;
        }
        if (run.KillRequested) return;
        // Checkpointed first: a restarted agent must report KILLED, not FAILED, for a task it was killing.
        AtomicFile.Write(Path.Combine(run.Meta, TaskRun.KilledFile), []);
        run.KillRequested = true;
        if (run.Process is not { } process)
        {
            // Never started (launch failed): the failure report stands.
            return;
        }
        ProcessGroup.Signal(process, ProcessGroup.SigTerm);
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(grace, time, stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (ProcessGroup.GroupAlive(process)) ProcessGroup.Signal(process, ProcessGroup.SigKill);
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refusing to launch task {Task}: {Error}")]
    private static partial void LogBadLaunch(ILogger logger, string task, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring a second launch of task {Task} of framework {Framework}: it is already here")]
    private static partial void LogDuplicateLaunch(ILogger logger, string task, string framework);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Launching task {Task} failed: {Error}")]
    private static partial void LogLaunchFailed(ILogger logger, string task, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring a kill of task {Task} of framework {Framework}: no such live task here")]
    private static partial void LogKillUnknown(ILogger logger, string task, string framework);
}
