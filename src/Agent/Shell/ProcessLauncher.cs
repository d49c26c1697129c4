using Mesos.HA.Agent.Core;
using Mesos.HA.Agent.Tasks;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Agent.Shell;

/// <summary>
/// Tasks as real process groups (<see cref="CommandLauncher"/>), each in its own cgroup when the
/// machine allows. A started run's end is noticed by reaping its wrapper; a recovered one (not our
/// child) through /proc. Ends are fed back to the agent through <paramref name="feed"/>. Whom a task
/// runs as is <paramref name="users"/>' decision; a refused user fails the launch before anything runs.
/// </summary>
public sealed class ProcessLauncher(AgentPaths paths, Cgroups cgroups, UserSwitch users, TimeProvider time, Action<AgentInput> feed,
    CancellationToken stopping)
    : ITaskLauncher
{
    private static readonly TimeSpan RecoveredPoll = TimeSpan.FromMilliseconds(100);

    public AgentInput Start(AgentId agent, RunKey run, RunTask task, Resources resources) => Start(agent, run, task, resources, Task.CompletedTask);

    /// <summary>
    /// Starts the run; its end is fed only once <paramref name="answered"/> completes, so that a caller feeding
    /// the answer itself (<see cref="BackgroundLauncher"/>) has the agent hear of the start before the end.
    /// </summary>
    internal AgentInput Start(AgentId agent, RunKey run, RunTask task, Resources resources, Task answered)
    {
        var sandbox = paths.Sandbox(agent, run.Framework, run.Task.Value, run.RunId);
        var meta = paths.Meta(agent, run.Framework, run.Task.Value, run.RunId);
        string? cgroup = null;
        try
        {
            var runAs = users.Decide(task.User, task.FrameworkInfo?.User);
            if (runAs.Refusal is { } refused) return new LaunchFailed(run, refused);
            cgroup = cgroups.Create(run.RunId, resources);
            var env = CommandLauncher.TaskEnvironment(sandbox, run.Task.Value, agent.Value, run.Framework.Value, resources);
            var (child, process) = CommandLauncher.Start(new LaunchSpec(task.Command, sandbox, meta, resources, env, cgroup, runAs.User));
            _ = Task.Run(async () =>
            {
                await child.WaitForExitAsync().ConfigureAwait(false);
                child.Dispose();
                await answered.ConfigureAwait(false);
                feed(new ProcessExited(run, CommandLauncher.RecordedExitCode(meta)));
            });
            // The pid is made durable with the TASK_STARTING record; this file is for people and tools (and a
            // fallback should the agent die between the start and that record): the task runs without it.
            try { File.WriteAllText(Path.Combine(meta, RunFiles.PidFile), process.ToString()); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* the record has it */ }
            return new ProcessStarted(run, process, cgroup is not null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            if (cgroup is not null) cgroups.Remove(run.RunId);
            return new LaunchFailed(run, e.Message);
        }
    }

    public AgentInput? Watch(AgentId agent, RunKey run, TaskProcess? process)
    {
        var meta = paths.Meta(agent, run.Framework, run.Task.Value, run.RunId);
        if (process is not { } watched || !ProcessGroup.Alive(watched)) return new ProcessExited(run, CommandLauncher.RecordedExitCode(meta));
        _ = Task.Run(async () =>
        {
            try
            {
                while (ProcessGroup.Alive(watched)) await Task.Delay(RecoveredPoll, time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            feed(new ProcessExited(run, CommandLauncher.RecordedExitCode(meta)));
        });
        return null;
    }

    public void Signal(TaskProcess process, int signal) => ProcessGroup.Signal(process, signal);

    public void EscalateKill(TaskProcess process, TimeSpan after) => _ = Task.Run(async () =>
    {
        try
        {
            await Task.Delay(after, time, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        if (ProcessGroup.GroupAlive(process)) ProcessGroup.Signal(process, ProcessGroup.SigKill);
    });

    public void Release(RunKey run, TaskProcess? process)
    {
        if (process is { } ended) ProcessGroup.Signal(ended, ProcessGroup.SigKill);
        cgroups.Remove(run.RunId);
    }
}
