using Mesos.HA.Agent.Core;
using Mesos.HA.Agent.Shell;
using Mesos.HA.Agent.Tasks;
using Mesos.HA.Checkers;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.Simulation;

/// <summary>
/// An agent's task processes: they outlive the agent's process, as process groups outlive a real
/// agent, but not its machine going down. Most finish or fail after a while, some hang until killed,
/// some ignore SIGTERM and need the SIGKILL that follows the grace period (a timer of the agent's,
/// gone if the agent dies first). An end is told to the agent incarnation watching the process; one
/// that came while the agent was down is found when the restarted agent watches it.
/// </summary>
public sealed class SimTasks(SimLoop loop, TaskHistory history, SimAgent agent, SimDisk disk) : ITaskLauncher
{
    private readonly SortedDictionary<int, Process> processes = [];
    private int nextPid = 100;

    public AgentInput Start(AgentId agentId, RunKey run, RunTask task, Resources resources)
    {
        history.RanOnAgent(run.Task.Value);
        var process = new Process(run, new TaskProcess(nextPid++, 1), IgnoresTerm: loop.Chance(0.2)) { Watcher = agent.Incarnation };
        processes[process.Id.Pid] = process;
        if (!loop.Chance(0.1))
        {
            var code = loop.Chance(0.15) ? 1 : 0;
            loop.After(loop.Between(100, 3000), () => End(process, code));
        }
        disk.WritePidFile(run, process.Id);
        disk.CrashPoint(); // the agent may die between the start and the TASK_STARTING record
        return new ProcessStarted(run, process.Id, InCgroup: false);
    }

    public AgentInput? Watch(AgentId agentId, RunKey run, TaskProcess? id)
    {
        if (id is not { } watched || !processes.TryGetValue(watched.Pid, out var process) || !process.Alive)
            return new ProcessExited(run, id is { } known && processes.TryGetValue(known.Pid, out var ended) ? ended.ExitCode : null);
        process.Watcher = agent.Incarnation;
        return null;
    }

    public void Signal(TaskProcess id, int signal)
    {
        if (!processes.TryGetValue(id.Pid, out var process) || !process.Alive) return;
        if (signal == ProcessGroup.SigKill) End(process, null);
        else if (!process.IgnoresTerm) loop.After(loop.Between(10, 300), () => End(process, null));
    }

    public void EscalateKill(TaskProcess id, TimeSpan after)
    {
        var incarnation = agent.Incarnation;
        loop.On(agent, (long)after.TotalMilliseconds, () =>
        {
            if (agent.Up && agent.Incarnation == incarnation) Signal(id, ProcessGroup.SigKill);
        });
    }

    /// <summary>The machine went down: every task process dies with it, and no one is told.</summary>
    public void PowerLoss()
    {
        foreach (var process in processes.Values.Where(p => p.Alive))
        {
            process.Alive = false;
            process.ExitCode = null;
        }
    }

    public void Release(RunKey run, TaskProcess? id)
    {
        if (id is { } ended) Signal(ended, ProcessGroup.SigKill);
    }

    private void End(Process process, int? code)
    {
        if (!process.Alive) return;
        process.Alive = false;
        process.ExitCode = code;
        var watcher = process.Watcher;
        loop.On(agent, 0, () =>
        {
            if (agent.Up && agent.Incarnation == watcher) agent.Feed(new ProcessExited(process.Run, code));
        });
    }

    private sealed record Process(RunKey Run, TaskProcess Id, bool IgnoresTerm)
    {
        public bool Alive { get; set; } = true;
        public int? ExitCode { get; set; }
        public int Watcher { get; set; }
    }
}
