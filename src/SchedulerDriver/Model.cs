using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Resources;

namespace Mesos.HA.SchedulerDriver;

/// <summary>What a framework says about itself when it subscribes (Mesos' FrameworkInfo, the parts we use).</summary>
public sealed record FrameworkInfo
{
    public required string Name { get; init; }
    public string User { get; init; } = Environment.UserName;

    /// <summary>Set to re-subscribe as an existing framework (after the framework's own restart); the driver keeps it after subscribing.</summary>
    public string? Id { get; init; }

    /// <summary>One role (the old <c>role</c> field) unless several are given, which adds the MULTI_ROLE capability.</summary>
    public IReadOnlyList<string> Roles { get; init; } = ["*"];

    /// <summary>How long the master keeps the framework's tasks after it disconnects (Mesos default: 0).</summary>
    public TimeSpan FailoverTimeout { get; init; } = TimeSpan.Zero;

    public IReadOnlyList<string> Capabilities { get; init; } = [];
    public string? Principal { get; init; }
    public string? Hostname { get; init; }
}

/// <summary>The master the driver is subscribed with.</summary>
public sealed record MasterInfo(string Address);

/// <summary>An offer of an agent's resources to this framework, for one role.</summary>
public sealed record Offer(string Id, string FrameworkId, string AgentId, string Hostname, Resources Resources, string Role)
{
    /// <summary>
    /// Set when the agent's machine is scheduled for maintenance (Mesos' <c>Offer.unavailability</c>): a
    /// framework may still use the resources, but should expect them to go away at
    /// <see cref="Mesos.HA.SchedulerDriver.Unavailability.Start"/>. Null when no maintenance is scheduled.
    /// </summary>
    public Unavailability? Unavailability { get; init; }
}

/// <summary>
/// A maintenance window of an agent's machine (Mesos' Unavailability): from <paramref name="Start"/>, for
/// <paramref name="Duration"/>; a null duration means until further notice.
/// </summary>
public sealed record Unavailability(DateTimeOffset Start, TimeSpan? Duration);

/// <summary>
/// A request from the master to give back resources (Mesos' InverseOffer): the machine of
/// <paramref name="AgentId"/> is scheduled for maintenance at <paramref name="Unavailability"/>. The
/// framework answers with <see cref="ISchedulerDriver.AcceptInverseOffers"/> (it will be done with the
/// resources by then) or <see cref="ISchedulerDriver.DeclineInverseOffers"/>; the master records the
/// answer in its maintenance status, and an inverse offer left unanswered stays outstanding.
/// </summary>
public sealed record InverseOffer(string Id, string FrameworkId, string? AgentId, Unavailability Unavailability)
{
    /// <summary>The resources asked back; empty means every resource of the agent (Mesos' default).</summary>
    public Resources Resources { get; init; } = Resources.Empty;
}

/// <summary>
/// A task to launch on an offer's agent: a shell <see cref="Command"/> for the built-in command executor, or, with
/// <see cref="Executor"/> set (and <see cref="Command"/> ignored), a task for the framework's own executor.
/// </summary>
public sealed record TaskInfo(string TaskId, string Name, string AgentId, Resources Resources, string Command)
{
    public ExecutorInfo? Executor { get; init; }

    /// <summary>Checked by the task's executor; Mesos' defaults for the timings (see <see cref="HealthCheckSpec"/>).</summary>
    public HealthCheckSpec? HealthCheck { get; init; }

    /// <summary>The user the command (or the executor) runs as (CommandInfo.user); null: the framework's user.</summary>
    public string? User { get; init; }
}

/// <summary>
/// The framework's own executor, started by the agent with <see cref="Command"/> (a shell command). Tasks naming
/// the same <see cref="ExecutorId"/> on one agent share it, and must all carry the same ExecutorInfo; its
/// <see cref="Resources"/> are taken from the offer of the task that starts it, and held while it runs.
/// </summary>
public sealed record ExecutorInfo(string ExecutorId, string Command, Resources Resources, string Name = "");

/// <summary>
/// A task's status as an UPDATE event carries it. <see cref="Uuid"/> is set when it must be acknowledged.
/// Updates from a custom executor or a health check may name the executor, the task's health and the executor's data.
/// </summary>
public sealed record TaskUpdate(string TaskId, TaskState State, string? AgentId, string Message, string Reason, string Source, string? Uuid, double Timestamp)
{
    public string? ExecutorId { get; init; }

    public bool? Healthy { get; init; }

    public byte[]? Data { get; init; }
}

/// <summary>Offer filters: how long declined or unused resources stay away from this framework.</summary>
public sealed record Filters(TimeSpan RefuseFor);

/// <summary>Where the driver stands, as the classic Mesos driver reports it.</summary>
public enum DriverStatus
{
    NotStarted,
    Running,
    Aborted,
    Stopped,
}
