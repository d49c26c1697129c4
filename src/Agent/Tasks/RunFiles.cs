using MessagePack;
using Mesos.HA.Protocol.Agent;

namespace Mesos.HA.Agent.Tasks;

/// <summary>What is checkpointed when a run starts: the task as the master sent it, and the run's id.</summary>
[MessagePackObject]
public sealed record TaskCheckpoint(
    [property: Key(0)] RunTask Task,
    [property: Key(1)] string RunId,
    [property: Key(2)] long LaunchedAtMs);

/// <summary>The files of a run's meta directory.</summary>
public static class RunFiles
{
    /// <summary>The process (pid and start time), for people and tools; the TASK_RUNNING record is the durable copy.</summary>
    public const string PidFile = "pid";
    /// <summary>Present once a kill was asked for.</summary>
    public const string KilledFile = "killed";
    /// <summary>Present once every update of the run is acknowledged.</summary>
    public const string CompletedFile = "completed";
    /// <summary>The <see cref="TaskCheckpoint"/>.</summary>
    public const string TaskFile = "task";
    /// <summary>A custom executor's <c>ExecutorCheckpoint</c> (in place of <see cref="TaskFile"/>: the run is an executor's).</summary>
    public const string ExecutorFile = "executor";
    /// <summary>The run's update log.</summary>
    public const string UpdatesFile = "updates";
}
