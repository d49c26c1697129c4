using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Registry;

namespace Mesos.HA.Master.Scheduler;

/// <summary>A call of the Mesos v1 scheduler API, after parsing and validation of its shape.</summary>
public abstract record SchedulerCall(FrameworkId? Framework)
{
    public sealed record Subscribe(FrameworkId? Id, FrameworkInfo Info, TimeSpan FailoverTimeout) : SchedulerCall(Id);

    /// <summary>A well-formed SUBSCRIBE whose FrameworkInfo is not acceptable: answered, as Mesos does, with a stream holding one ERROR.</summary>
    public sealed record InvalidSubscription(string Reason) : SchedulerCall((FrameworkId?)null);
    public sealed record Teardown(FrameworkId Id) : SchedulerCall(Id);
    public sealed record Accept(FrameworkId Id, IReadOnlyList<OfferId> Offers, IReadOnlyList<TaskLaunch> Launches, TimeSpan? Refuse) : SchedulerCall(Id);
    public sealed record Decline(FrameworkId Id, IReadOnlyList<OfferId> Offers, TimeSpan? Refuse) : SchedulerCall(Id);
    /// <summary>ACCEPT_INVERSE_OFFERS (<see cref="Accepted"/>) or DECLINE_INVERSE_OFFERS.</summary>
    public sealed record AnswerInverseOffers(FrameworkId Id, IReadOnlyList<OfferId> InverseOffers, bool Accepted, TimeSpan? Refuse) : SchedulerCall(Id);
    public sealed record Revive(FrameworkId Id, IReadOnlyList<string> Roles) : SchedulerCall(Id);
    public sealed record Suppress(FrameworkId Id, IReadOnlyList<string> Roles) : SchedulerCall(Id);
    public sealed record Kill(FrameworkId Id, TaskId Task, AgentId? Agent = null) : SchedulerCall(Id);
    public sealed record Acknowledge(FrameworkId Id, AgentId Agent, TaskId Task, Guid Uuid) : SchedulerCall(Id);
    public sealed record Shutdown(FrameworkId Id, string Executor, AgentId? Agent) : SchedulerCall(Id);
    public sealed record Message(FrameworkId Id, AgentId Agent, string Executor, byte[] Data) : SchedulerCall(Id);
    public sealed record Reconcile(FrameworkId Id, IReadOnlyList<(TaskId Task, AgentId? Agent)> Tasks) : SchedulerCall(Id);
}
