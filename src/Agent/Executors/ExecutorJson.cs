using System.Text.Json;
using Mesos.HA.Agent.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Health;
using Mesos.HA.Protocol.Http;
using Mesos.HA.Protocol.Registry;
using Mesos.HA.Protocol.Resources;
using V1 = Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.Agent.Executors;

/// <summary>
/// The executor API's JSON at the agent's edge: calls checked and turned into core inputs (with the
/// reason a bad one is refused), the core's events written as v1 events.
/// </summary>
public static class ExecutorJson
{
    /// <summary>
    /// A parsed call: the executor it names and what it asks; or the 400 error. The reading is liberal
    /// (<see cref="V1.TolerantJson"/>: numbers as strings, unknown fields), as JSON transcoded from
    /// protobuf needs: a value of the wrong kind (an enum number no name is known for, say) reads as
    /// absent, and a refusal names the fields that were left out so.
    /// </summary>
    public static (ExecutorKey Executor, ExecutorCallBody Body)? TryRead(ReadOnlySpan<byte> json, DateTimeOffset now, out string error)
    {
        V1.ExecutorCall? call;
        var wrongKinds = new List<string>();
        try
        {
            call = V1.TolerantJson.Read(json, V1.ExecutorJsonContext.Default.ExecutorCall, wrongKinds);
        }
        catch (JsonException e)
        {
            error = $"malformed JSON: {e.Message}";
            return null;
        }
        var read = Check(call, now, out error);
        if (read is null && wrongKinds.Count > 0) error += $" (values of the wrong kind were left out: {string.Join(", ", wrongKinds)})";
        return read;
    }

    private static (ExecutorKey Executor, ExecutorCallBody Body)? Check(V1.ExecutorCall? call, DateTimeOffset now, out string error)
    {
        error = "";
        if (call is null) return Fail("the call must be a JSON object", out error);
        if (call.FrameworkId?.Value is not { Length: > 0 } framework) return Fail("framework_id is required", out error);
        if (call.ExecutorId?.Value is not { Length: > 0 } executor) return Fail("executor_id is required", out error);
        var key = new ExecutorKey(new FrameworkId(framework), executor);
        ExecutorCallBody? body = call.Type switch
        {
            V1.ExecutorCall.SubscribeType => Subscribe(call.Subscribe, key, now, out error),
            V1.ExecutorCall.UpdateType => call.Update is { } update && ToUpdate(update, key, now, out error) is { } parsed
                ? new UpdateBody(parsed) : Failed<ExecutorCallBody>(call.Update is null ? "update is required for UPDATE" : error, out error),
            V1.ExecutorCall.MessageType => Message(call.Message, out error),
            V1.ExecutorCall.HeartbeatType => new HeartbeatBody(),
            null => Failed<ExecutorCallBody>("type is required", out error),
            var other => Failed<ExecutorCallBody>($"unknown call type {other}", out error),
        };
        return body is null ? null : (key, body);
    }

    private static SubscribeBody? Subscribe(V1.ExecutorSubscribeCall? subscribe, ExecutorKey key, DateTimeOffset now, out string error)
    {
        error = "";
        var tasks = new List<TaskId>();
        foreach (var task in subscribe?.UnacknowledgedTasks ?? [])
            if (task?.TaskId?.Value is { Length: > 0 } id) tasks.Add(new TaskId(id));
        var updates = new List<StatusUpdate>();
        foreach (var update in subscribe?.UnacknowledgedUpdates ?? [])
        {
            if (update is null) continue;
            if (ToUpdate(update, key, now, out error) is not { } parsed) return null;
            updates.Add(parsed);
        }
        return new SubscribeBody(tasks, updates);
    }

    private static MessageBody? Message(V1.ExecutorMessageCall? message, out string error)
    {
        error = "";
        if (message?.Data is not { } data) return Failed<MessageBody>("message.data is required for MESSAGE", out error);
        try
        {
            var bytes = Convert.FromBase64String(data);
            return bytes.Length > 64 * 1024 ? Failed<MessageBody>("message.data is limited to 64 KiB", out error) : new MessageBody(bytes);
        }
        catch (FormatException)
        {
            return Failed<MessageBody>("message.data is not base64", out error);
        }
    }

    /// <summary>An executor's status: task id, a known state, and a 16-byte uuid are required.</summary>
    private static StatusUpdate? ToUpdate(V1.ExecutorUpdateCall update, ExecutorKey key, DateTimeOffset now, out string error)
    {
        error = "";
        if (update.Status is not { } status) return Failed<StatusUpdate>("update.status is required", out error);
        if (status.TaskId?.Value is not { Length: > 0 } task) return Failed<StatusUpdate>("update.status.task_id is required", out error);
        if (status.State is null) return Failed<StatusUpdate>("update.status.state is required: a task state's name", out error);
        if (ParseState(status.State) is not { } state) return Failed<StatusUpdate>($"update.status.state '{status.State}' is not a task state", out error);
        if (ParseUuid(status.Uuid) is not { } uuid) return Failed<StatusUpdate>("update.status.uuid must be 16 bytes in base64", out error);
        byte[]? data = null;
        if (status.Data is { } text)
        {
            try { data = Convert.FromBase64String(text); }
            catch (FormatException) { return Failed<StatusUpdate>("update.status.data is not base64", out error); }
        }
        return new StatusUpdate(key.Framework, new TaskId(task), state, uuid, status.Message ?? "", status.Reason ?? "",
            now.ToUnixTimeMilliseconds(), new UpdateDetails(key.Executor, status.Healthy, data, "SOURCE_EXECUTOR"));
    }

    private static TaskState? ParseState(string? name) =>
        Enum.GetValues<TaskState>().Select(s => (TaskState?)s).FirstOrDefault(s => s!.Value.MesosName() == name);

    private static Guid? ParseUuid(string? base64)
    {
        if (base64 is null) return null;
        Span<byte> bytes = stackalloc byte[18];
        return Convert.TryFromBase64String(base64, bytes, out var written) && written == 16 ? new Guid(bytes[..16]) : null;
    }

    /// <summary>The uuid as executors and schedulers see it: its 16 bytes in base64.</summary>
    public static string UuidText(Guid uuid) => Convert.ToBase64String(uuid.ToByteArray());

    private static T? Failed<T>(string message, out string error) where T : class
    {
        error = message;
        return null;
    }

    private static (ExecutorKey, ExecutorCallBody)? Fail(string message, out string error)
    {
        error = message;
        return null;
    }

    /// <summary>The v1 event for what the core decided.</summary>
    public static V1.ExecutorEvent ToEvent(ExecutorEventOut e) => e switch
    {
        SubscribedOut s => new V1.ExecutorEvent
        {
            Type = V1.ExecutorEvent.SubscribedType,
            Subscribed = new V1.ExecutorSubscribedEvent
            {
                ExecutorInfo = Info(s.Executor.Spec, s.Executor.Framework, s.Executor.Role),
                FrameworkInfo = new V1.FrameworkInfo
                {
                    Id = new V1.Id { Value = s.Executor.Framework.Value }, Role = s.Executor.Role,
                    Name = s.Executor.FrameworkInfo?.Name, User = s.Executor.FrameworkInfo?.User,
                },
                AgentInfo = new V1.ExecutorAgentInfo { Id = new V1.Id { Value = s.Agent.Id.Value }, Hostname = s.Agent.Hostname },
            },
        },
        LaunchOut l => new V1.ExecutorEvent { Type = V1.ExecutorEvent.LaunchType, Launch = new V1.ExecutorLaunchEvent { Task = Task(l.Task, l.Agent) } },
        KillOut k => new V1.ExecutorEvent
        {
            Type = V1.ExecutorEvent.KillType,
            Kill = new V1.ExecutorKillEvent
            {
                TaskId = new V1.Id { Value = k.Task.Value },
                KillPolicy = new V1.KillPolicy { GracePeriod = new V1.DurationInfo { Nanoseconds = k.GracePeriod.Ticks * 100 } },
            },
        },
        AcknowledgedOut a => new V1.ExecutorEvent
        {
            Type = V1.ExecutorEvent.AcknowledgedType,
            Acknowledged = new V1.ExecutorAcknowledgedEvent { TaskId = new V1.Id { Value = a.Task.Value }, Uuid = UuidText(a.Uuid) },
        },
        MessageOut m => new V1.ExecutorEvent { Type = V1.ExecutorEvent.MessageType, Message = new V1.ExecutorMessageEvent { Data = Convert.ToBase64String(m.Data) } },
        ShutdownOut => new V1.ExecutorEvent { Type = V1.ExecutorEvent.ShutdownType },
        ErrorOut err => new V1.ExecutorEvent { Type = V1.ExecutorEvent.ErrorType, Error = new V1.ErrorEvent { Message = err.Message } },
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "no JSON for this event"),
    };

    public static V1.ExecutorEvent Heartbeat { get; } = new() { Type = V1.ExecutorEvent.HeartbeatType };

    private static V1.ExecutorInfo Info(ExecutorSpec spec, FrameworkId framework, string role) => new()
    {
        Type = "CUSTOM",
        ExecutorId = new V1.Id { Value = spec.Id },
        FrameworkId = new V1.Id { Value = framework.Value },
        Command = new V1.CommandInfo { Value = spec.Command, Shell = true },
        Resources = Resources(spec.Resources, role),
        Name = spec.Name,
    };

    private static V1.TaskInfo Task(RunTask task, AgentId agent) => new()
    {
        Name = task.Name,
        TaskId = new V1.Id { Value = task.Task.Value },
        AgentId = new V1.Id { Value = agent.Value },
        Resources = Resources(task.Resources, task.Role),
        Executor = task.Executor is { } spec ? Info(spec, task.Framework, task.Role) : null,
        HealthCheck = task.HealthCheck is { } check ? HealthCheckJson.ToContract(check) : null,
    };

    private static List<V1.Resource?> Resources(string text, string role) =>
        ResourceText.TryParse(text, out var parsed, out _) ? [.. ResourceJson.ToContract(parsed, role)] : [];
}
