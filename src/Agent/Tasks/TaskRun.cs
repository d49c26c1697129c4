using System.Diagnostics;
using MessagePack;
using Mesos.HA.Agent.Updates;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;

namespace Mesos.HA.Agent.Tasks;

/// <summary>What is checkpointed when a run starts: the task as the master sent it, and the run's id.</summary>
[MessagePackObject]
public sealed record TaskCheckpoint(
    [property: Key(0)] RunTask Task,
    [property: Key(1)] string RunId,
    [property: Key(2)] long LaunchedAtMs);

/// <summary>One run of a task on this agent: its process, its state, and its status update stream.</summary>
public sealed class TaskRun(TaskCheckpoint checkpoint, string sandbox, string meta, UpdateStream updates, UpdateLog log)
{
    public TaskCheckpoint Checkpoint { get; } = checkpoint;
    public RunTask Spec => Checkpoint.Task;
    public FrameworkId Framework => Spec.Framework;
    public TaskId Task => Spec.Task;
    public string RunId => Checkpoint.RunId;
    public string Sandbox { get; } = sandbox;
    public string Meta { get; } = meta;
    public UpdateStream Updates { get; } = updates;
    public UpdateLog Log { get; } = log;

    /// <summary>The latest state the agent reported for the task.</summary>
    public TaskState State { get; set; } = TaskState.Staging;

    public TaskProcess? Process { get; set; }

    /// <summary>The wrapper when this agent started it (null for a run recovered after a restart).</summary>
    public Process? Child { get; set; }

    public bool KillRequested { get; set; }

    public string? Cgroup { get; set; }

    public const string PidFile = "pid";
    public const string KilledFile = "killed";
    public const string CompletedFile = "completed";
    public const string TaskFile = "task";
    public const string UpdatesFile = "updates";
}
