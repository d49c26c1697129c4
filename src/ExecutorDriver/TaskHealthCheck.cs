using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Health;
using Mesos.HA.Protocol.Http.V1;
using TaskStatus = Mesos.HA.Protocol.Http.V1.TaskStatus;

namespace Mesos.HA.ExecutorDriver;

/// <summary>
/// Runs a task's health check (<c>TaskInfo.health_check</c>) inside a custom executor with Mesos'
/// semantics, the checker the command executor uses: every unhealthy result, and the first healthy one
/// after start or after an unhealthy one, goes to the framework as a TASK_RUNNING update with
/// <c>healthy</c> and REASON_TASK_HEALTH_CHECK_STATUS_UPDATED; after the consecutive failures allowed,
/// <paramref name="kill"/> is called once (the executor kills the task its own way). Dispose the
/// returned checker when the task ends.
/// </summary>
public static class TaskHealthCheck
{
    public const string Reason = "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED";

    /// <summary>
    /// Starts checking <paramref name="task"/> (null when it has no health check); COMMAND checks run in
    /// <paramref name="workingDirectory"/>. Throws <see cref="ArgumentException"/> for a check the master
    /// would have refused.
    /// </summary>
    public static HealthChecker? Start(IExecutorDriver driver, TaskInfo task, string workingDirectory, Action<TaskId> kill,
        TimeProvider? time = null)
    {
        if (task.HealthCheck is not { } given) return null;
        var id = task.TaskId?.Value is { Length: > 0 } value ? value : throw new ArgumentException("the task has no id", nameof(task));
        var spec = HealthCheckJson.TryRead(given, "health_check", out var error) ?? throw new ArgumentException(error, nameof(task));
        var clock = time ?? TimeProvider.System;
        var probe = HealthProbe.For(spec, workingDirectory, new Dictionary<string, string>(), clock);
        return HealthChecker.Start(spec, clock.GetUtcNow(), probe, (decision, _) =>
        {
            switch (decision)
            {
                case HealthReport report:
                    driver.SendStatusUpdate(new TaskStatus
                    {
                        TaskId = new Id { Value = id }, State = TaskState.Running.MesosName(), Healthy = report.Healthy,
                        Reason = Reason, Message = report.Message,
                    });
                    break;
                case KillUnhealthyTask:
                    kill(new TaskId(id));
                    break;
            }
            return ValueTask.CompletedTask;
        }, clock);
    }
}
