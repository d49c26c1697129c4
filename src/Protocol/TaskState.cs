namespace Mesos.HA.Protocol;

/// <summary>Task states as Mesos names them. The numbers are part of the agent wire format: never renumber.</summary>
public enum TaskState
{
    Staging = 0, Starting = 1, Running = 2, Finished = 3, Failed = 4, Killed = 5, Error = 6, Lost = 7, Dropped = 8,
    Unreachable = 9, Gone = 10, Unknown = 11, Killing = 12,
}

public static class TaskStates
{
    /// <summary>A terminal state ends the task: nothing runs any more and no further state follows.</summary>
    public static bool IsTerminal(this TaskState state) =>
        state is TaskState.Finished or TaskState.Failed or TaskState.Killed or TaskState.Error or TaskState.Lost
            or TaskState.Dropped or TaskState.Gone;

    /// <summary>The Mesos v1 name: <c>TASK_RUNNING</c>.</summary>
    public static string MesosName(this TaskState state) => "TASK_" + state.ToString().ToUpperInvariant();
}
