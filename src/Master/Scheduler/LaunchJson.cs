using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Health;
using Mesos.HA.Protocol.Http;
using V1 = Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.Master.Scheduler;

/// <summary>
/// Reads a LAUNCH's TaskInfo: its id and resources, and exactly one of <c>command</c> (the built-in
/// command executor) and <c>executor</c> (the framework's own), with an optional <c>health_check</c>.
/// Every refusal names the field that is wrong, under <c>where</c>.
/// </summary>
internal static class LaunchJson
{
    public static TaskLaunch? Task(V1.TaskInfo task, string where, FrameworkId framework, List<string> wrongKinds, out string error)
    {
        error = "";
        var taskId = task.TaskId?.Value;
        if (string.IsNullOrWhiteSpace(taskId)) return Fail<TaskLaunch>($"{where}.task_id.value is missing", out error);
        if (!TryResources(task.Resources, where, wrongKinds, out var resources, out error)) return null;
        if ((task.Command is null) == (task.Executor is null))
            return Fail<TaskLaunch>($"{where} needs exactly one of 'command' (the command executor) and 'executor' (a custom one)", out error);
        ExecutorLaunch? executor = null;
        var command = "";
        if (task.Executor is { } info)
        {
            executor = Executor(info, $"{where}.executor", framework, wrongKinds, out error);
            if (executor is null) return null;
        }
        else if (!TryShell(task.Command, $"{where}.command", out command, out error))
        {
            return null;
        }
        HealthCheckSpec? check = null;
        if (task.HealthCheck is { } given && (check = HealthCheckJson.TryRead(given, $"{where}.health_check", out error)) is null) return null;
        var user = task.Command?.User ?? task.Executor?.Command?.User;
        return new TaskLaunch(new TaskId(taskId), task.Name ?? taskId, resources, command)
        {
            Executor = executor, HealthCheck = check, User = string.IsNullOrEmpty(user) ? null : user,
        };
    }

    private static ExecutorLaunch? Executor(V1.ExecutorInfo info, string where, FrameworkId framework, List<string> wrongKinds, out string error)
    {
        error = "";
        if (info.Type is not (null or "CUSTOM")) return Fail<ExecutorLaunch>($"{where}.type must be CUSTOM, not '{info.Type}'", out error);
        if (string.IsNullOrWhiteSpace(info.ExecutorId?.Value)) return Fail<ExecutorLaunch>($"{where}.executor_id.value is missing", out error);
        if (info.FrameworkId?.Value is { Length: > 0 } owner && owner != framework.Value)
            return Fail<ExecutorLaunch>($"{where}.framework_id is {owner}, not the caller's {framework}", out error);
        if (!TryShell(info.Command, $"{where}.command", out var command, out error)) return null;
        if (!TryResources(info.Resources, where, wrongKinds, out var resources, out error)) return null;
        return new ExecutorLaunch(info.ExecutorId!.Value!, info.Name ?? "", command, resources);
    }

    private static bool TryShell(V1.CommandInfo? command, string where, out string value, out string error)
    {
        value = command?.Value ?? "";
        error = value.Length == 0 ? $"{where}.value is missing"
            : command!.Shell == false ? $"{where}.shell=false is not supported; give a shell command" : "";
        return error.Length == 0;
    }

    private static bool TryResources(IReadOnlyList<V1.Resource?>? given, string where, List<string> wrongKinds,
        out Protocol.Resources.Resources resources, out string error)
    {
        resources = Protocol.Resources.Resources.Empty;
        error = "";
        if (wrongKinds.Contains($"{where}.resources")) error = $"{where}.resources must be a list";
        else if (!ResourceJson.TryRead(given, out resources, out var bad)) error = $"{where}.{bad}";
        return error.Length == 0;
    }

    private static T? Fail<T>(string message, out string error) where T : class
    {
        error = message;
        return null;
    }
}
