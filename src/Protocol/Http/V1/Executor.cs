using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesos.HA.Protocol.Http.V1;

/// <summary>
/// A call of the v1 executor API (<c>POST /api/v1/executor</c> on the agent),
/// <c>{"type": "UPDATE", "framework_id": {...}, "executor_id": {...}, "update": {...}}</c>: the payload
/// named after the type is set, the others are null. HEARTBEAT has none.
/// </summary>
public sealed record ExecutorCall
{
    public string? Type { get; init; }
    public Id? FrameworkId { get; init; }
    public Id? ExecutorId { get; init; }
    public ExecutorSubscribeCall? Subscribe { get; init; }
    public ExecutorUpdateCall? Update { get; init; }
    public ExecutorMessageCall? Message { get; init; }

    public const string SubscribeType = "SUBSCRIBE";
    public const string UpdateType = "UPDATE";
    public const string MessageType = "MESSAGE";
    public const string HeartbeatType = "HEARTBEAT";
}

/// <summary>
/// What a (re-)subscribing executor still holds: tasks it was given but has sent no update for, and
/// updates it sent that were not ACKNOWLEDGED. After an agent restart the agent takes them back.
/// </summary>
public sealed record ExecutorSubscribeCall
{
    public IReadOnlyList<TaskInfo?>? UnacknowledgedTasks { get; init; }
    public IReadOnlyList<ExecutorUpdateCall?>? UnacknowledgedUpdates { get; init; }
}

/// <summary>A task status from the executor: a 16-byte uuid (base64), source SOURCE_EXECUTOR; TASK_STAGING is refused.</summary>
public sealed record ExecutorUpdateCall
{
    public TaskStatus? Status { get; init; }
}

/// <summary>A framework message for the scheduler; <see cref="Data"/> is base64.</summary>
public sealed record ExecutorMessageCall
{
    public string? Data { get; init; }
}

/// <summary>An event of the executor API's stream; the payload named after the type is set.</summary>
public sealed record ExecutorEvent
{
    public string? Type { get; init; }
    public ExecutorSubscribedEvent? Subscribed { get; init; }
    public ExecutorLaunchEvent? Launch { get; init; }
    public ExecutorKillEvent? Kill { get; init; }
    public ExecutorAcknowledgedEvent? Acknowledged { get; init; }
    public ExecutorMessageEvent? Message { get; init; }
    public ErrorEvent? Error { get; init; }

    public const string SubscribedType = "SUBSCRIBED";
    public const string LaunchType = "LAUNCH";
    public const string KillType = "KILL";
    public const string AcknowledgedType = "ACKNOWLEDGED";
    public const string MessageType = "MESSAGE";
    public const string ErrorType = "ERROR";
    public const string ShutdownType = "SHUTDOWN";
    public const string HeartbeatType = "HEARTBEAT";
}

public sealed record ExecutorSubscribedEvent
{
    public ExecutorInfo? ExecutorInfo { get; init; }
    public FrameworkInfo? FrameworkInfo { get; init; }
    public ExecutorAgentInfo? AgentInfo { get; init; }
}

/// <summary>The agent as an executor sees it.</summary>
public sealed record ExecutorAgentInfo
{
    public Id? Id { get; init; }
    public string? Hostname { get; init; }
    public int? Port { get; init; }
}

public sealed record ExecutorLaunchEvent
{
    public TaskInfo? Task { get; init; }
}

public sealed record ExecutorKillEvent
{
    public Id? TaskId { get; init; }
    public KillPolicy? KillPolicy { get; init; }
}

/// <summary>How long a killed task may take to stop before it is killed forcibly.</summary>
public sealed record KillPolicy
{
    public DurationInfo? GracePeriod { get; init; }
}

public sealed record DurationInfo
{
    public long? Nanoseconds { get; init; }
}

/// <summary>The agent has checkpointed the update with this uuid (not: the framework acknowledged it).</summary>
public sealed record ExecutorAcknowledgedEvent
{
    public Id? TaskId { get; init; }
    public string? Uuid { get; init; }
}

/// <summary>A framework message from the scheduler; <see cref="Data"/> is base64.</summary>
public sealed record ExecutorMessageEvent
{
    public string? Data { get; init; }
}

/// <summary>The executor API's source-generated JSON, shared by the agent and the executor driver.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(ExecutorCall))]
[JsonSerializable(typeof(ExecutorEvent))]
public sealed partial class ExecutorJsonContext : JsonSerializerContext
{
    public static byte[] Write(ExecutorEvent e) => JsonSerializer.SerializeToUtf8Bytes(e, Default.ExecutorEvent);

    public static byte[] Write(ExecutorCall call) => JsonSerializer.SerializeToUtf8Bytes(call, Default.ExecutorCall);
}
