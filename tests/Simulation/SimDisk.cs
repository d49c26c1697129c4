using Mesos.HA.Agent.Core;
using Mesos.HA.Agent.Shell;
using Mesos.HA.Agent.Tasks;
using Mesos.HA.Agent.Updates;
using Mesos.HA.Checkers;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Simulation;

/// <summary>
/// An agent's disk. It outlives the agent's crashes: an agent process that dies loses nothing it
/// wrote (the page cache stays), a machine that goes down loses what was not flushed (an update
/// log's unflushed tail survives as a prefix of some length, appends reaching the disk in order; the
/// completion hint and the pid file, written without a flush, survive or not). While
/// <see cref="CrashChance"/> is set, any write may instead find the agent's process dead just
/// before it (<see cref="SimulatedCrash"/>), between two effects of one decision.
/// </summary>
public sealed class SimDisk(SimLoop loop, TaskHistory history) : IAgentDisk
{
    // Sorted by run id: recovery and crashes walk the runs in one order.
    private readonly SortedDictionary<string, RunFiles> runs = new(StringComparer.Ordinal);
    private AgentInfo? info;

    /// <summary>The chance that the agent's process dies just before a write (0 outside the fault phase).</summary>
    public double CrashChance { get; set; }

    public Recovered Recover() => new(info,
        [.. runs.Values.Where(r => !r.Completed).Select(r => new RecoveredRun(r.Checkpoint, [.. r.Flushed, .. r.Unflushed], r.PidFile, r.Killed))]);

    public void SaveAgentInfo(AgentInfo saved)
    {
        CrashPoint();
        info = saved;
    }

    public void CreateRun(AgentId agent, RunKey run, TaskCheckpoint checkpoint)
    {
        CrashPoint();
        runs[run.RunId] = new RunFiles(checkpoint);
    }

    /// <summary>The launcher's pid file (no flush): what a recovery falls back on without a TASK_STARTING record.</summary>
    public void WritePidFile(RunKey run, TaskProcess process)
    {
        if (runs.TryGetValue(run.RunId, out var files)) files.PidFile = process;
    }

    public void Append(RunKey run, UpdateLogRecord record, bool durable)
    {
        CrashPoint();
        var files = Files(run);
        files.Unflushed.Add(record);
        if (durable)
        {
            files.Flushed.AddRange(files.Unflushed);
            files.Unflushed.Clear();
        }
        // The task's end is on the agent's disk: it can no longer be lost.
        if (durable && record.Update is { } update && update.State.IsTerminal())
            history.EndedOnAgent(update.Task.Value, update.State.MesosName());
    }

    public void MarkKilled(RunKey run)
    {
        CrashPoint();
        Files(run).Killed = true;
    }

    public void MarkCompleted(RunKey run)
    {
        CrashPoint();
        Files(run).Completed = true;
    }

    /// <summary>Where the agent's process may die: just before a write, while faults are on.</summary>
    public void CrashPoint()
    {
        if (CrashChance > 0 && loop.Chance(CrashChance)) throw new SimulatedCrash();
    }

    private RunFiles Files(RunKey run) =>
        runs.TryGetValue(run.RunId, out var files) ? files : throw new IOException($"run {run.RunId} has no checkpoint");

    /// <summary>The machine went down: unflushed writes kept in part, or lost.</summary>
    /// <summary>
    /// The agent's state is discarded (as Mesos' agent removes its <c>latest</c> symlink when its master
    /// shuts it down): its next start registers a new agent, with none of the old runs.
    /// </summary>
    /// <summary>The tasks of the runs on this disk.</summary>
    public IEnumerable<string> Tasks => runs.Values.Select(r => r.Checkpoint.Task.Task.Value);

    /// <summary>The product's agent forgets its identity when its master shuts it down: its tasks went with it.</summary>
    public void ForgetAgent()
    {
        foreach (var task in Tasks) history.RemovedWithItsAgent(task);
        Forget();
    }

    public void Forget()
    {
        info = null;
        runs.Clear();
    }

    public void PowerLoss()
    {
        var lost = 0;
        foreach (var files in runs.Values)
        {
            var kept = loop.Between(0, files.Unflushed.Count);
            lost += files.Unflushed.Count - kept;
            files.Flushed.AddRange(files.Unflushed.Take(kept));
            files.Unflushed.Clear();
            if (files.Completed && !files.CompletedFlushed && loop.Chance(0.5))
            {
                files.Completed = false;
                lost++;
            }
            files.CompletedFlushed = files.Completed;
            if (loop.Chance(0.5)) files.PidFile = null;
        }
        if (lost > 0) loop.Record($"disk lost {lost} unflushed writes");
    }

    private sealed class RunFiles(TaskCheckpoint checkpoint)
    {
        public TaskCheckpoint Checkpoint { get; } = checkpoint;
        public List<UpdateLogRecord> Flushed { get; } = [];
        public List<UpdateLogRecord> Unflushed { get; } = [];
        public bool Killed { get; set; }
        public bool Completed { get; set; }
        public bool CompletedFlushed { get; set; }
        public TaskProcess? PidFile { get; set; }
    }
}

/// <summary>The agent's process died at this point (the simulator's crash point, not a failure of the product).</summary>
public sealed class SimulatedCrash() : Exception("the agent's process died here");
