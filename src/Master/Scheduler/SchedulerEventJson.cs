using Mesos.HA.Master.Core;
using Mesos.HA.Protocol;
using Mesos.HA.Protocol.Agent;
using Mesos.HA.Protocol.Http;
using V1 = Mesos.HA.Protocol.Http.V1;

namespace Mesos.HA.Master.Scheduler;

/// <summary>Where an offer's agent can be reached, for the offer's <c>hostname</c> and <c>url</c>.</summary>
public sealed record AgentAddress(string Hostname, string Ip, int Port);

/// <summary>Writes scheduler events in the Mesos v1 JSON shape, through the shared contracts (<see cref="V1.Event"/>).</summary>
public static class SchedulerEventJson
{
    public static byte[] Subscribed(FrameworkId framework, TimeSpan heartbeat) => Write(new()
    {
        Type = V1.Event.SubscribedType,
        Subscribed = new() { FrameworkId = V1.Id.Of(framework.Value), HeartbeatIntervalSeconds = heartbeat.TotalSeconds },
    });

    public static byte[] Offers(IReadOnlyList<Offer> offers, Func<AgentId, AgentAddress> addressOf) => Write(new()
    {
        Type = V1.Event.OffersType,
        Offers = new() { Offers = [.. offers.Select(offer => OfferOf(offer, addressOf(offer.Agent)))] },
    });

    private static V1.Offer OfferOf(Offer offer, AgentAddress address) => new()
    {
        Id = V1.Id.Of(offer.Id.Value),
        FrameworkId = V1.Id.Of(offer.Framework.Value),
        AgentId = V1.Id.Of(offer.Agent.Value),
        Hostname = address.Hostname,
        Url = UrlOf(address),
        Resources = ResourceJson.ToContract(offer.Resources, offer.Role),
        AllocationInfo = new() { Role = offer.Role },
        Unavailability = offer.Unavailability is { } u ? UnavailabilityOf(u) : null,
    };

    /// <summary>INVERSE_OFFERS: each asks for the whole agent back by its unavailability (no resources named).</summary>
    public static byte[] InverseOffers(IReadOnlyList<InverseOffer> inverseOffers, Func<AgentId, AgentAddress> addressOf) => Write(new()
    {
        Type = V1.Event.InverseOffersType,
        InverseOffers = new()
        {
            InverseOffers = [.. inverseOffers.Select(i => new V1.InverseOffer
            {
                Id = V1.Id.Of(i.Id.Value),
                Url = UrlOf(addressOf(i.Agent)),
                FrameworkId = V1.Id.Of(i.Framework.Value),
                AgentId = V1.Id.Of(i.Agent.Value),
                Unavailability = UnavailabilityOf(i.Unavailability),
            })],
        },
    });

    public static byte[] RescindInverseOffer(OfferId inverseOffer) => Write(new()
    {
        Type = V1.Event.RescindInverseOfferType,
        RescindInverseOffer = new() { InverseOfferId = V1.Id.Of(inverseOffer.Value) },
    });

    public static V1.Unavailability UnavailabilityOf(Protocol.Registry.Unavailability u) => new()
    {
        Start = new() { Nanoseconds = u.StartNs },
        Duration = u.DurationNs is { } ns ? new() { Nanoseconds = ns } : null,
    };

    private static V1.Url UrlOf(AgentAddress address) => new()
    {
        Scheme = "http",
        Address = new() { Hostname = address.Hostname, Ip = address.Ip, Port = address.Port },
        Path = "/slave(1)",
    };

    public static byte[] Rescind(OfferId offer) => Write(new()
    {
        Type = V1.Event.RescindType,
        Rescind = new() { OfferId = V1.Id.Of(offer.Value) },
    });

    /// <summary>
    /// An UPDATE. <paramref name="uuid"/> is set for updates from agents (they must be acknowledged), null for the
    /// master's own. An agent's update names its source in <paramref name="details"/> (SOURCE_AGENT when it names
    /// none); one without details comes from the command executor, as before executors had details to add.
    /// </summary>
    public static byte[] Update(TaskId task, AgentId? agent, TaskState state, Guid? uuid, string message, string reason, DateTimeOffset at,
        UpdateDetails? details = null) => Write(new()
    {
        Type = V1.Event.UpdateType,
        Update = new()
        {
            Status = new()
            {
                TaskId = V1.Id.Of(task.Value),
                State = state.MesosName(),
                Source = uuid is null ? "SOURCE_MASTER" : details is null ? "SOURCE_EXECUTOR" : details.Source ?? "SOURCE_AGENT",
                AgentId = agent is { } a ? V1.Id.Of(a.Value) : null,
                Message = message.Length > 0 ? message : null,
                Reason = reason.Length > 0 ? reason : null,
                Uuid = uuid is { } u ? Convert.ToBase64String(u.ToByteArray()) : null,
                Timestamp = at.ToUnixTimeMilliseconds() / 1000.0,
                ExecutorId = details?.Executor is { } executor ? V1.Id.Of(executor) : null,
                Healthy = details?.Healthy,
                Data = details?.Data is { } data ? Convert.ToBase64String(data) : null,
            },
        },
    });

    public static byte[] Error(string message) => Write(new()
    {
        Type = V1.Event.ErrorType,
        Error = new() { Message = message },
    });

    /// <summary>FAILURE for a lost agent (no executor id).</summary>
    public static byte[] AgentFailure(AgentId agent) => Write(new()
    {
        Type = V1.Event.FailureType,
        Failure = new() { AgentId = V1.Id.Of(agent.Value) },
    });

    /// <summary>MESSAGE: an executor's bytes for its framework.</summary>
    public static byte[] Message(AgentId agent, string executor, byte[] data) => Write(new()
    {
        Type = V1.Event.MessageType,
        Message = new() { AgentId = V1.Id.Of(agent.Value), ExecutorId = V1.Id.Of(executor), Data = Convert.ToBase64String(data) },
    });

    /// <summary>FAILURE for an executor that ended, with its exit status.</summary>
    public static byte[] ExecutorFailure(AgentId agent, string executor, int status) => Write(new()
    {
        Type = V1.Event.FailureType,
        Failure = new() { AgentId = V1.Id.Of(agent.Value), ExecutorId = V1.Id.Of(executor), Status = status },
    });

    public static byte[] Heartbeat() => Write(new() { Type = V1.Event.HeartbeatType });

    private static byte[] Write(V1.Event e) => V1.SchedulerJsonContext.Write(e);
}
