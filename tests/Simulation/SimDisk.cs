using Mesos.HA.Agent.Core;
using Mesos.HA.Agent.Shell;
using Mesos.HA.Agent.Tasks;
using Mesos.HA.Agent.Updates;
using Mesos.HA.Checkers;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Simulation;

/// <summary>
/// An agent's disk: it outlives the agent's crashes, and a crash loses what was written but not
/// flushed. An update log's unflushed tail survives a crash only as a prefix of some length (appends
/// reach the disk in order), and the completion hint, written without a flush, survives or not.
/// </summary>
public sealed class SimDisk(SimLoop loop, TaskHistory history) : IAgentDisk
{
    private readonly Dictionary<RunKey, RunFiles> runs = [];
    private AgentInfo? info;

    public Recovered Recover() => new(info,
        [.. runs.Values.Where(r => !r.Completed).Select(r => new RecoveredRun(r.Checkpoint, [.. r.Flushed, .. r.Unflushed], null, r.Killed))]);

    public void SaveAgentInfo(AgentInfo saved) => info = saved;

    public void CreateRun(AgentId agent, RunKey run, TaskCheckpoint checkpoint) => runs[run] = new RunFiles(checkpoint);

    public void Append(RunKey run, UpdateLogRecord record, bool durable)
    {
        if (!runs.TryGetValue(run, out var files)) return;
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
        if (runs.TryGetValue(run, out var files)) files.Killed = true;
    }

    public void MarkCompleted(RunKey run)
    {
        if (runs.TryGetValue(run, out var files)) files.Completed = true;
    }

    /// <summary>The machine's view after the agent's process died: unflushed writes kept in part, or lost.</summary>
    public void Crash()
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
    }
}
