namespace Mesos.HA.Protocol.Http.V1;

// The Mesos v1 messages the scheduler API carries, as far as this cluster uses them. Field names
// come from the naming policy of SchedulerJsonContext (snake_case, as Mesos writes them); the
// declaration order is the order on the wire; absent fields are null and are not written.

/// <summary>A Mesos id: <c>{"value": "..."}</c>.</summary>
public sealed record Id
{
    public string? Value { get; init; }

    public static Id Of(string value) => new() { Value = value };

    /// <summary>The id's value, or null when the id is absent (the same for an id of the wrong shape, see <see cref="TolerantJson"/>).</summary>
    public static string? ValueOf(Id? id) => id?.Value;
}

public sealed record FrameworkInfo
{
    public string? User { get; init; }
    public string? Name { get; init; }
    public double? FailoverTimeout { get; init; }
    public string? Role { get; init; }
    public IReadOnlyList<string?>? Roles { get; init; }
    public IReadOnlyList<Capability?>? Capabilities { get; init; }
    public Id? Id { get; init; }
    public string? Principal { get; init; }
    public string? Hostname { get; init; }
    public string? WebuiUrl { get; init; }
}

public sealed record Capability
{
    public string? Type { get; init; }
}

public sealed record Offer
{
    public Id? Id { get; init; }
    public Id? FrameworkId { get; init; }
    public Id? AgentId { get; init; }
    public string? Hostname { get; init; }
    public Url? Url { get; init; }
    public IReadOnlyList<Resource?>? Resources { get; init; }
    public AllocationInfo? AllocationInfo { get; init; }

    /// <summary>Set when the agent's machine is scheduled for maintenance: when it goes away, and for how long.</summary>
    public Unavailability? Unavailability { get; init; }
}

/// <summary>
/// A request to give back resources (Mesos' InverseOffer): the agent's machine is scheduled for maintenance
/// at <see cref="Unavailability"/>. Answered with ACCEPT_INVERSE_OFFERS or DECLINE_INVERSE_OFFERS; no
/// <see cref="Resources"/> means every resource of the agent.
/// </summary>
public sealed record InverseOffer
{
    public Id? Id { get; init; }
    public Url? Url { get; init; }
    public Id? FrameworkId { get; init; }
    public Id? AgentId { get; init; }
    public Unavailability? Unavailability { get; init; }
    public IReadOnlyList<Resource?>? Resources { get; init; }
}

/// <summary>A maintenance window: from <see cref="Start"/>, for <see cref="Duration"/> (forever when absent).</summary>
public sealed record Unavailability
{
    public TimeInfo? Start { get; init; }
    public DurationInfo? Duration { get; init; }
}

/// <summary>A point in time, nanoseconds since the Unix epoch.</summary>
public sealed record TimeInfo
{
    public long? Nanoseconds { get; init; }
}

public sealed record Url
{
    public string? Scheme { get; init; }
    public Address? Address { get; init; }
    public string? Path { get; init; }
}

public sealed record Address
{
    public string? Hostname { get; init; }
    public string? Ip { get; init; }
    public int? Port { get; init; }
}

public sealed record AllocationInfo
{
    public string? Role { get; init; }
}

/// <summary>A resource; <see cref="Role"/> is the pre-1.9 reservation field, read but never written.</summary>
public sealed record Resource
{
    public string? Name { get; init; }
    public string? Type { get; init; }
    public IReadOnlyList<Reservation?>? Reservations { get; init; }
    public AllocationInfo? AllocationInfo { get; init; }
    public ScalarValue? Scalar { get; init; }
    public RangesValue? Ranges { get; init; }
    public SetValue? Set { get; init; }
    public string? Role { get; init; }
}

public sealed record Reservation
{
    public string? Type { get; init; }
    public string? Role { get; init; }
}

/// <summary>A scalar; a value that is there but is not a number reads as NaN.</summary>
public sealed record ScalarValue
{
    public double? Value { get; init; }
}

public sealed record RangesValue
{
    public IReadOnlyList<RangeValue?>? Range { get; init; }
}

public sealed record RangeValue
{
    public long? Begin { get; init; }
    public long? End { get; init; }
}

public sealed record SetValue
{
    public IReadOnlyList<string?>? Item { get; init; }
}

public sealed record TaskInfo
{
    public string? Name { get; init; }
    public Id? TaskId { get; init; }
    public Id? AgentId { get; init; }
    public IReadOnlyList<Resource?>? Resources { get; init; }
    public CommandInfo? Command { get; init; }

    /// <summary>The executor that runs the task (a custom executor); null: the built-in command executor runs <see cref="Command"/>.</summary>
    public ExecutorInfo? Executor { get; init; }

    public HealthCheck? HealthCheck { get; init; }
}

/// <summary>
/// A task's health check (COMMAND, HTTP or TCP), run by its executor. Defaults as in Mesos: delay 15 s,
/// interval 10 s, timeout 20 s, 3 consecutive failures, grace period 10 s.
/// </summary>
public sealed record HealthCheck
{
    public string? Type { get; init; }
    public double? DelaySeconds { get; init; }
    public double? IntervalSeconds { get; init; }
    public double? TimeoutSeconds { get; init; }
    public int? ConsecutiveFailures { get; init; }
    public double? GracePeriodSeconds { get; init; }
    public CommandInfo? Command { get; init; }
    public HttpCheck? Http { get; init; }
    public TcpCheck? Tcp { get; init; }
}

public sealed record HttpCheck
{
    public int? Port { get; init; }
    public string? Path { get; init; }
    public string? Scheme { get; init; }
}

public sealed record TcpCheck
{
    public int? Port { get; init; }
}

/// <summary>
/// A framework's own executor: tasks naming the same <see cref="ExecutorId"/> on one agent share one
/// running executor, whose <see cref="Resources"/> are held once, for as long as it runs.
/// </summary>
public sealed record ExecutorInfo
{
    /// <summary>CUSTOM (the only kind launched from a TaskInfo); absent means CUSTOM.</summary>
    public string? Type { get; init; }
    public Id? ExecutorId { get; init; }
    public Id? FrameworkId { get; init; }
    public CommandInfo? Command { get; init; }
    public IReadOnlyList<Resource?>? Resources { get; init; }
    public string? Name { get; init; }
}

public sealed record CommandInfo
{
    public string? Value { get; init; }
    public bool? Shell { get; init; }

    /// <summary>The user the command runs as, instead of the framework's (an agent running as root switches to it).</summary>
    public string? User { get; init; }
}

/// <summary>A task's status; <see cref="Uuid"/> is the update's 16 bytes in base64, <see cref="Timestamp"/> seconds since the epoch.</summary>
public sealed record TaskStatus
{
    public Id? TaskId { get; init; }
    public string? State { get; init; }
    public string? Source { get; init; }
    public Id? AgentId { get; init; }
    public string? Message { get; init; }
    public string? Reason { get; init; }
    public string? Uuid { get; init; }
    public double? Timestamp { get; init; }
    public Id? ExecutorId { get; init; }

    /// <summary>Set on updates a health check produced: whether the task's last check passed.</summary>
    public bool? Healthy { get; init; }

    /// <summary>Base64 bytes an executor attaches to an update.</summary>
    public string? Data { get; init; }
}

public sealed record Filters
{
    public double? RefuseSeconds { get; init; }
}
